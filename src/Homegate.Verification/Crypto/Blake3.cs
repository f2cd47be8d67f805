using System.Buffers.Binary;
using System.Numerics;

namespace Homegate.Verification.Crypto;

/// <summary>
/// BLAKE3 (unkeyed hash mode, extendable output), a straightforward managed port of the reference
/// implementation. There is no BLAKE3 package on our feed; homegate hashes only short inputs (the
/// pepper), so clarity beats SIMD here. Checked against the b3sum vectors in EXTERNALS.md §6.
/// </summary>
public static class Blake3
{
    /// <summary>The default output length in bytes.</summary>
    public const int DefaultOutputLength = 32;

    private const int BlockLength = 64;
    private const int ChunkLength = 1024;
    private const uint ChunkStart = 1;
    private const uint ChunkEnd = 2;
    private const uint Parent = 4;
    private const uint Root = 8;

    private static readonly uint[] Iv =
    [
        0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A, 0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19,
    ];

    private static readonly byte[] Permutation = [2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8];

    /// <summary>Returns the BLAKE3 hash of <paramref name="input"/> with <paramref name="outputLength"/> bytes.</summary>
    public static byte[] Hash(ReadOnlySpan<byte> input, int outputLength = DefaultOutputLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(outputLength);
        var output = new byte[outputLength];
        Hash(input, output);
        return output;
    }

    /// <summary>Fills <paramref name="output"/> (any length) with the BLAKE3 extendable output of <paramref name="input"/>.</summary>
    public static void Hash(ReadOnlySpan<byte> input, Span<byte> output)
    {
        // A stack of chaining values for completed subtrees: at most 54 for 2^64 bytes.
        Span<uint> stack = stackalloc uint[54 * 8];
        var depth = 0;
        ulong chunkCounter = 0;
        Span<uint> cv = stackalloc uint[8];

        // Every chunk but the last is folded into the tree; the last one produces the root (or
        // the right-most leaf below the root), so it must stay unfinalised until the input ends.
        while (input.Length > ChunkLength)
        {
            ChunkChainingValue(input[..ChunkLength], chunkCounter, cv);
            input = input[ChunkLength..];
            chunkCounter++;

            // Merge completed subtrees: one merge per trailing zero bit of the chunk count.
            var total = chunkCounter;
            while ((total & 1) == 0)
            {
                depth--;
                ParentChainingValue(stack.Slice(depth * 8, 8), cv, cv);
                total >>= 1;
            }

            cv.CopyTo(stack.Slice(depth * 8, 8));
            depth++;
        }

        var node = LastChunkOutput(input, chunkCounter);
        while (depth > 0)
        {
            depth--;
            node.ChainingValue(cv);
            node = ParentOutput(stack.Slice(depth * 8, 8), cv);
        }

        node.RootBytes(output);
    }

    private static void ChunkChainingValue(ReadOnlySpan<byte> chunk, ulong counter, Span<uint> cv)
    {
        var output = LastChunkOutput(chunk, counter);
        output.ChainingValue(cv);
    }

    /// <summary>Compresses all but the last block of a chunk and returns the last block as an unfinished output.</summary>
    private static Output LastChunkOutput(ReadOnlySpan<byte> chunk, ulong counter)
    {
        var output = new Output { Counter = counter };
        Iv.CopyTo(output.Cv.AsSpan());
        var start = ChunkStart;
        Span<uint> block = stackalloc uint[16];
        Span<uint> state = stackalloc uint[16];
        while (chunk.Length > BlockLength)
        {
            LoadBlock(chunk[..BlockLength], block);
            Compress(output.Cv, block, counter, BlockLength, start, state);
            state[..8].CopyTo(output.Cv);
            chunk = chunk[BlockLength..];
            start = 0;
        }

        LoadBlock(chunk, output.Block);
        output.Length = (uint)chunk.Length;
        output.Flags = start | ChunkEnd;
        return output;
    }

    private static Output ParentOutput(ReadOnlySpan<uint> left, ReadOnlySpan<uint> right)
    {
        var output = new Output { Counter = 0, Length = BlockLength, Flags = Parent };
        Iv.CopyTo(output.Cv.AsSpan());
        left.CopyTo(output.Block);
        right.CopyTo(output.Block.AsSpan(8));
        return output;
    }

    private static void ParentChainingValue(ReadOnlySpan<uint> left, ReadOnlySpan<uint> right, Span<uint> cv)
        => ParentOutput(left, right).ChainingValue(cv);

    private static void LoadBlock(ReadOnlySpan<byte> bytes, Span<uint> words)
    {
        Span<byte> padded = stackalloc byte[BlockLength];
        padded.Clear();
        bytes.CopyTo(padded);
        for (var i = 0; i < 16; i++)
        {
            words[i] = BinaryPrimitives.ReadUInt32LittleEndian(padded.Slice(i * 4, 4));
        }
    }

    private static void Compress(ReadOnlySpan<uint> cv, ReadOnlySpan<uint> block, ulong counter, uint blockLength, uint flags, Span<uint> state)
    {
        cv[..8].CopyTo(state);
        state[8] = Iv[0];
        state[9] = Iv[1];
        state[10] = Iv[2];
        state[11] = Iv[3];
        state[12] = (uint)counter;
        state[13] = (uint)(counter >> 32);
        state[14] = blockLength;
        state[15] = flags;

        Span<uint> m = stackalloc uint[16];
        Span<uint> permuted = stackalloc uint[16];
        block.CopyTo(m);
        for (var round = 0; round < 7; round++)
        {
            G(state, 0, 4, 8, 12, m[0], m[1]);
            G(state, 1, 5, 9, 13, m[2], m[3]);
            G(state, 2, 6, 10, 14, m[4], m[5]);
            G(state, 3, 7, 11, 15, m[6], m[7]);
            G(state, 0, 5, 10, 15, m[8], m[9]);
            G(state, 1, 6, 11, 12, m[10], m[11]);
            G(state, 2, 7, 8, 13, m[12], m[13]);
            G(state, 3, 4, 9, 14, m[14], m[15]);
            if (round < 6)
            {
                for (var i = 0; i < 16; i++)
                {
                    permuted[i] = m[Permutation[i]];
                }

                permuted.CopyTo(m);
            }
        }

        for (var i = 0; i < 8; i++)
        {
            state[i] ^= state[i + 8];
            state[i + 8] ^= cv[i];
        }
    }

    private static void G(Span<uint> s, int a, int b, int c, int d, uint mx, uint my)
    {
        s[a] = s[a] + s[b] + mx;
        s[d] = BitOperations.RotateRight(s[d] ^ s[a], 16);
        s[c] = s[c] + s[d];
        s[b] = BitOperations.RotateRight(s[b] ^ s[c], 12);
        s[a] = s[a] + s[b] + my;
        s[d] = BitOperations.RotateRight(s[d] ^ s[a], 8);
        s[c] = s[c] + s[d];
        s[b] = BitOperations.RotateRight(s[b] ^ s[c], 7);
    }

    /// <summary>A node whose compression is deferred until we know whether it is the root.</summary>
    private sealed class Output
    {
        public uint[] Cv { get; } = new uint[8];

        public uint[] Block { get; } = new uint[16];

        public ulong Counter { get; init; }

        public uint Length { get; set; }

        public uint Flags { get; set; }

        public void ChainingValue(Span<uint> cv)
        {
            Span<uint> state = stackalloc uint[16];
            Compress(Cv, Block, Counter, Length, Flags, state);
            state[..8].CopyTo(cv);
        }

        public void RootBytes(Span<byte> output)
        {
            Span<uint> state = stackalloc uint[16];
            Span<byte> bytes = stackalloc byte[BlockLength];
            ulong blockCounter = 0;
            while (!output.IsEmpty)
            {
                Compress(Cv, Block, blockCounter++, Length, Flags | Root, state);
                for (var i = 0; i < 16; i++)
                {
                    BinaryPrimitives.WriteUInt32LittleEndian(bytes.Slice(i * 4, 4), state[i]);
                }

                var take = Math.Min(output.Length, BlockLength);
                bytes[..take].CopyTo(output);
                output = output[take..];
            }
        }
    }
}
