#!/usr/bin/env python3
"""Attributes perf samples of ASP.NET Core/YARP processes to pipeline stages (tests/bench/README.md).

  perf script -i FILE.data -F comm,tid,ip,sym --no-demangle > FILE.script
  tests/bench/perf-stages.py homegate.script bare-yarp.script

Each sample goes to the stage of the innermost (nearest the leaf) frame that matches one of STAGES,
in the order listed; a sample with no matching frame is "other" (kernel networking, runtime helpers
without symbols, thread-pool dispatch). The processes must run with DOTNET_PerfMapEnabled=1 (and
DOTNET_EnableWriteXorExecute=0, so perf can map JIT code to names). Prints each stage's share of each
file's samples: multiplied by the process's CPU per request it estimates the stage's cost per request.
"""
import collections
import re
import sys

STAGES = [
    ("thread-pool idle spin/wait", r"LowLevelLifoSemaphore|WaitHandle::Wait|Monitor::Wait"),
    ("homegate SignupGateTransforms", r"SignupGateTransforms"),
    ("YARP transforms", r"Yarp\.ReverseProxy\.Transforms"),
    ("HttpClient (to the upstream)", r"System\.Net\.Http\."),
    ("YARP forwarder", r"Yarp\.ReverseProxy\.Forwarder"),
    ("YARP health/load balancing/init", r"Yarp\.ReverseProxy\.Health|LoadBalancingMiddleware|ProxyPipelineInitializerMiddleware|Yarp\.ReverseProxy\.Model"),
    ("homegate SignupGateMiddleware", r"SignupGateMiddleware|SignupPaths|SignupGateExtensions"),
    ("homegate ProxyErrorMiddleware", r"ProxyErrorMiddleware"),
    ("homegate pass-through check", r"Homegate\.Gateway\.Proxy\.PassThrough|UseWhenExtensions"),
    ("Use(Func<Task>) closures", r"UseExtensions|ReflectionMiddlewareBinder|lambda_method"),
    ("EndpointMiddleware", r"EndpointMiddleware"),
    ("AuthorizationMiddleware", r"AuthorizationMiddleware|Microsoft\.AspNetCore\.Authorization"),
    ("rate limiter", r"RateLimiting"),
    ("CORS", r"Microsoft\.AspNetCore\.Cors"),
    ("routing", r"Microsoft\.AspNetCore\.Routing"),
    ("exception handler", r"ExceptionHandlerMiddleware"),
    ("hosting (request context)", r"Microsoft\.AspNetCore\.Hosting"),
    ("Kestrel", r"Kestrel|Microsoft\.AspNetCore\.Http\."),
    ("sockets", r"System\.Net\.Sockets"),
    ("request DI scope", r"DependencyInjection"),
]
COMPILED = [(name, re.compile(pattern)) for name, pattern in STAGES]


def samples(path):
    """Yields each sample's frames (symbol names), leaf first."""
    frames = None
    with open(path, errors="replace") as f:
        for line in f:
            if line[:1] in ("\t", " "):
                parts = line.strip().split(" ", 1)
                if frames is not None and len(parts) == 2:
                    frames.append(parts[1])
            elif line.strip():
                if frames is not None:
                    yield frames
                frames = []
    if frames is not None:
        yield frames


def stage_of(frames):
    for frame in frames:
        for name, pattern in COMPILED:
            if pattern.search(frame):
                return name
    return "other"


def main():
    results = []
    for path in sys.argv[1:]:
        counts = collections.Counter(stage_of(s) for s in samples(path))
        results.append((path, counts, sum(counts.values())))
    print("| stage | " + " | ".join(f"{p} ({t} samples)" for p, _, t in results) + " |")
    print("|---|" + "--:|" * len(results))
    for name in [n for n, _ in STAGES] + ["other"]:
        print(f"| {name} | " + " | ".join(f"{c[name] / t * 100:.2f} %" for _, c, t in results) + " |")


if __name__ == "__main__":
    main()
