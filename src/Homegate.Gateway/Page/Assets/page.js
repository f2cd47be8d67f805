// The verification page and the invitation landing. Talks only to homegate's own JSON endpoints on
// this origin; every text comes from the page data (the operator's text file).
(function () {
  'use strict';

  var data = JSON.parse(document.getElementById('hg-data').textContent);
  var T = data.text;
  var skewMs = 0; // server clock minus this device's clock, from the Date header of each answer

  function $(id) { return document.getElementById(id); }
  function show(el, on) { el.hidden = !on; }
  function t(key, vars) {
    var s = Object.prototype.hasOwnProperty.call(T, key) ? T[key] : key;
    Object.keys(vars || {}).forEach(function (k) { s = s.split('{' + k + '}').join(String(vars[k])); });
    return s;
  }
  function now() { return Date.now() + skewMs; }
  // Waits are rounded up (never understated), time left is rounded down (never overstated):
  // 90 seconds, 3 minutes, 5 hours, 6 days.
  function duration(seconds, down) {
    seconds = Math.max(1, Math.ceil(seconds));
    var unit = seconds < 120 ? ['second', 1] : seconds < 7200 ? ['minute', 60] : seconds < 172800 ? ['hour', 3600] : ['day', 86400];
    var n = Math.max(1, (down ? Math.floor : Math.ceil)(seconds / unit[1]));
    return n === 1 ? t('time.' + unit[0]) : t('time.' + unit[0] + 's', { n: n });
  }
  function clock(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var m = Math.floor(seconds / 60), s = seconds % 60;
    return m >= 60 ? duration(seconds) : m + ':' + (s < 10 ? '0' : '') + s;
  }
  function setAlert(text) {
    var a = $('alert');
    a.textContent = text || '';
    show(a, !!text);
  }
  function problemText(answer) {
    if (!answer) { return t('error.network'); }
    var body = answer.json, code = body && typeof body.code === 'string' ? body.code : null;
    var wait = duration(answer.retryAfter > 0 ? answer.retryAfter : 60);
    if (code && Object.prototype.hasOwnProperty.call(T, 'error.' + code)) { return t('error.' + code, { wait: wait }); }
    if (answer.status === 429) { return t('error.rate-limited', { wait: wait }); }
    return t('error.unknown', { code: code || answer.status });
  }

  // One JSON call; resolves to {ok, status, json, retryAfter} or null when the server could not be reached.
  function call(method, url, body, signal) {
    var init = { method: method, headers: { 'Accept': 'application/json' }, credentials: 'same-origin', cache: 'no-store', signal: signal };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return fetch(url, init).then(function (res) {
      var date = Date.parse(res.headers.get('Date') || '');
      if (!isNaN(date)) { skewMs = date - Date.now(); }
      var retry = parseInt(res.headers.get('Retry-After') || '', 10);
      return res.json().catch(function () { return null; }).then(function (json) {
        return { ok: res.ok, status: res.status, json: json, retryAfter: isNaN(retry) ? 0 : retry };
      });
    }, function (error) {
      if (error && error.name === 'AbortError') { throw error; }
      return null;
    });
  }

  function busy(button, text, on) {
    if (on) {
      button.dataset.label = button.textContent;
      button.textContent = text;
    } else if (button.dataset.label) {
      button.textContent = button.dataset.label;
    }
    button.disabled = on;
  }

  function copyButton(button, source) {
    button.addEventListener('click', function () {
      var text = source().trim();
      var done = function (ok) {
        var label = button.dataset.copyLabel || button.textContent;
        button.dataset.copyLabel = label;
        button.textContent = ok ? t('copied') : label;
        if (!ok) { setAlert(t('copy.failed')); }
        setTimeout(function () { button.textContent = label; }, 2000);
      };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(function () { done(true); }, function () { done(false); });
      } else {
        done(false);
      }
    });
  }

  // The Pubky Ring QR: the code goes in a POST body, never in a URL.
  function ringQr(code) {
    return fetch(data.base + '/qr/ring', {
      method: 'POST', credentials: 'same-origin', cache: 'no-store',
      headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ code: code })
    }).then(function (res) { return res.ok ? res.blob() : null; }).then(function (blob) {
      if (blob) {
        var img = $('result-qr');
        img.src = URL.createObjectURL(blob);
        show(img, true);
      }
    }, function () { /* the code and the button still work without the picture */ });
  }

  function ringLink(homeserver, code) {
    return 'pubkyring://direct_signup?hs=' + encodeURIComponent(homeserver) + '&st=' + encodeURIComponent(code);
  }

  // ---- the verification page ----
  function joinPage() {
    var sections = ['choose', 'sms', 'ln', 'result'];
    var timers = {};
    function stopTimer(name) { if (timers[name]) { clearInterval(timers[name]); timers[name] = null; } }
    function view(name, focus) {
      sections.forEach(function (s) { show($(s), s === name); });
      show($('intro'), name !== 'result');
      setAlert('');
      var target = focus ? $(focus) : $(name).querySelector('h2');
      if (target) {
        if (target.tagName === 'H2') { target.tabIndex = -1; }
        target.focus();
      }
    }

    if (data.returnRefused) {
      var notice = $('notice');
      notice.setAttribute('role', 'alert');
      notice.textContent = data.returnHost ? t('return.refused', { host: data.returnHost }) : t('return.invalid');
      show(notice, true);
    }

    show($('choose-sms'), !!data.sms);
    show($('choose-ln'), !!data.lightning);
    show($('no-method'), !data.sms && !data.lightning);
    $('choose-sms').addEventListener('click', function () { view('sms', 'phone'); });
    $('choose-ln').addEventListener('click', function () { view('ln'); });
    Array.prototype.forEach.call(document.querySelectorAll('.back'), function (b) {
      b.addEventListener('click', function () { lnStop(); view('choose'); });
    });

    // -- SMS --
    var phone = null;
    function normalizePhone(value) {
      var v = value.replace(/[\s().\-\u00a0]/g, '');
      if (v.indexOf('00') === 0) { v = '+' + v.slice(2); }
      return v;
    }
    function resendCooldown(seconds) {
      stopTimer('resend');
      var button = $('sms-resend'), until = Date.now() + seconds * 1000;
      var tick = function () {
        var left = (until - Date.now()) / 1000;
        button.disabled = left > 0;
        $('sms-resend-wait').textContent = left > 0 ? t('sms.resend.wait', { time: duration(left) }) : '';
        if (left <= 0) { stopTimer('resend'); }
      };
      tick();
      timers.resend = setInterval(tick, 1000);
    }
    function sendCode(button) {
      busy(button, t('sms.sending'), true);
      return call('POST', '/sms_verification/send_code', { phoneNumber: phone }).then(function (answer) {
        busy(button, '', false);
        if (answer && answer.ok) {
          show($('sms-send-form'), false);
          show($('sms-verify-form'), true);
          $('sms-sent').textContent = t('sms.sent', { phone: phone });
          setAlert('');
          resendCooldown(data.resendSeconds);
          $('sms-code').value = '';
          $('sms-code').focus();
          return;
        }
        setAlert(problemText(answer));
        if (answer && answer.status === 429 && answer.retryAfter > 0 && !$('sms-verify-form').hidden) { resendCooldown(answer.retryAfter); }
      });
    }
    $('sms-send-form').addEventListener('submit', function (e) {
      e.preventDefault();
      phone = normalizePhone($('phone').value);
      if (!/^\+[1-9]\d{1,14}$/.test(phone)) {
        setAlert(t('error.invalid-phone-number'));
        $('phone').focus();
        return;
      }
      sendCode($('sms-send'));
    });
    $('sms-resend').addEventListener('click', function () { sendCode($('sms-resend')); });
    $('sms-change').addEventListener('click', function () {
      stopTimer('resend');
      show($('sms-verify-form'), false);
      show($('sms-send-form'), true);
      setAlert('');
      $('phone').focus();
    });
    $('sms-verify-form').addEventListener('submit', function (e) {
      e.preventDefault();
      var code = $('sms-code').value.replace(/\D/g, '');
      var button = $('sms-verify');
      busy(button, t('sms.checking'), true);
      call('POST', '/sms_verification/verify_code', { phoneNumber: phone, code: code }).then(function (answer) {
        busy(button, '', false);
        if (answer && answer.ok && answer.json) {
          stopTimer('resend');
          result(answer.json.signupCode, answer.json.homeserverPubky, answer.json.expiresAt);
          return;
        }
        setAlert(problemText(answer));
        $('sms-code').focus();
      });
    });

    // -- Lightning --
    var ln = null; // {id, expiresAt, controller}
    $('ln-price').textContent = t('ln.price', { amount: String(data.amountSat) });
    function lnStop() {
      stopTimer('ln');
      if (ln && ln.controller) { ln.controller.abort(); }
      ln = null;
    }
    function lnExpired(text) {
      lnStop();
      show($('ln-invoice'), false);
      show($('ln-create'), false);
      $('ln-expired-text').textContent = text;
      show($('ln-expired'), true);
      $('ln-new').focus();
    }
    function lnCreate(button) {
      lnStop();
      busy(button, t('ln.creating'), true);
      call('POST', '/ln_verification').then(function (answer) {
        busy(button, '', false);
        if (!answer || !answer.ok || !answer.json) {
          setAlert(problemText(answer));
          return;
        }
        setAlert('');
        var v = answer.json;
        ln = { id: v.verificationId, expiresAt: Date.parse(v.expiresAt), controller: null };
        show($('ln-create'), false);
        show($('ln-expired'), false);
        $('ln-qr').src = data.base + '/qr/ln/' + encodeURIComponent(v.verificationId);
        $('ln-open').href = 'lightning:' + v.invoice;
        $('ln-invoice-text').textContent = v.invoice;
        $('ln-status').textContent = t('ln.waiting');
        show($('ln-invoice'), true);
        $('ln-open').focus();
        var tick = function () {
          if (!ln) { return; }
          var left = (ln.expiresAt - now()) / 1000;
          $('ln-expiry').textContent = t('ln.expires', { time: clock(left) });
          if (left <= 0) { lnExpired(t('ln.expired')); }
        };
        tick();
        timers.ln = setInterval(tick, 1000);
        lnAwait(ln, 0);
      });
    }
    // Long-polls /await; after each timeout ("pending") it asks again, after errors it backs off.
    function lnAwait(current, failures) {
      if (ln !== current) { return; }
      current.controller = new AbortController();
      call('GET', '/ln_verification/' + encodeURIComponent(current.id) + '/await', undefined, current.controller.signal).then(function (answer) {
        if (ln !== current) { return; }
        if (answer && answer.ok && answer.json) {
          var v = answer.json;
          if (v.status === 'paid') {
            lnStop();
            result(v.signupCode, v.homeserverPubky, v.signupTokenExpiresAt);
          } else if (v.status === 'expired') {
            lnExpired(t('ln.expired'));
          } else if (v.status === 'failed') {
            lnExpired(t('ln.failed'));
          } else {
            lnAwait(current, 0);
          }
          return;
        }
        if (answer && answer.status === 404) {
          lnExpired(problemText(answer));
          return;
        }
        var wait = answer && answer.retryAfter > 0 ? answer.retryAfter * 1000 : Math.min(30000, 1000 * Math.pow(2, failures));
        setTimeout(function () { lnAwait(current, failures + 1); }, wait);
      }, function () { /* aborted: the invoice expired or the person left */ });
    }
    $('ln-create').addEventListener('click', function () { lnCreate($('ln-create')); });
    $('ln-new').addEventListener('click', function () { lnCreate($('ln-new')); });
    copyButton($('ln-copy'), function () { return $('ln-invoice-text').textContent; });

    // -- the result --
    function result(code, homeserver, expiresAt) {
      if (!code) {
        setAlert(t('result.missing'));
        return;
      }
      homeserver = homeserver || data.homeserverPubky;
      if (data.returnTo) {
        var fragment = 'signup_code=' + encodeURIComponent(code) + '&homeserver=' + encodeURIComponent(homeserver) +
          '&state=' + encodeURIComponent(data.state || '');
        var notice = $('notice');
        notice.textContent = t('result.returning', { host: data.returnHost });
        show(notice, true);
        window.location.assign(data.returnTo + '#' + fragment);
      }
      view('result');
      $('result-code').textContent = code;
      $('result-ring').href = ringLink(homeserver, code);
      $('result-homeserver').textContent = t('result.homeserver', { homeserver: homeserver });
      ringQr(code);
      var until = Date.parse(expiresAt || '');
      var tick = function () {
        if (isNaN(until)) { return; }
        var left = (until - now()) / 1000;
        $('result-left').textContent = left > 0 ? t('result.left', { time: duration(left, true) }) : t('result.expired');
        if (left <= 0) { stopTimer('result'); }
      };
      tick();
      timers.result = setInterval(tick, 1000);
    }
    copyButton($('result-copy'), function () { return $('result-code').textContent; });
  }

  // ---- the invitation landing ----
  function invitePage() {
    if (!data.code) {
      setAlert(t('invite.invalid'));
      return;
    }
    copyButton($('result-copy'), function () { return $('result-code').textContent; });
    call('GET', data.status).then(function (answer) {
      var state = $('invite-state');
      if (answer && answer.ok && answer.json && typeof answer.json.state === 'string') {
        var s = answer.json.state;
        var date = new Date(answer.json.expiresAt);
        state.textContent = t('invite.state.' + s, { date: isNaN(date) ? answer.json.expiresAt : date.toLocaleString(document.documentElement.lang || undefined) });
        if (s !== 'unused') {
          show($('result-ring'), false);
          show($('result-qr'), false);
          setAlert(state.textContent);
        } else {
          ringQr(data.code);
        }
        return;
      }
      if (answer && answer.json && answer.json.code) {
        setAlert(problemText(answer));
        show($('result-ring'), false);
        show($('result-qr'), false);
        return;
      }
      state.textContent = t('invite.state.unknown');
      ringQr(data.code);
    });
  }

  document.documentElement.style.setProperty('--accent', data.accent);
  if (data.view === 'invite') { invitePage(); } else { joinPage(); }
}());
