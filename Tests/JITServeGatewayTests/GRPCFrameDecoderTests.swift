import Testing

@testable import JITServeGateway

@Suite struct GRPCFrameDecoderTests {
    @Test func messagesCutAnywhereAreReassembled() throws {
        let messages: [[UInt8]] = [[1, 2, 3], [], Array(repeating: 7, count: 300), [9]]
        let wire = messages.flatMap(GRPCFrameDecoder.frame)
        // Every split point of the stream into two DATA frames, and byte-by-byte.
        for cut in 0...wire.count {
            var decoder = GRPCFrameDecoder(maxMessageBytes: 1 << 10)
            let got = try decoder.feed(wire[..<cut]) + decoder.feed(wire[cut...])
            #expect(got == messages, "cut at \(cut)")
            #expect(!decoder.hasPartialMessage)
        }
        var decoder = GRPCFrameDecoder(maxMessageBytes: 1 << 10)
        var got: [[UInt8]] = []
        for byte in wire { got += try decoder.feed([byte]) }
        #expect(got == messages)
    }

    @Test func theLengthIsBigEndian() throws {
        let framed = GRPCFrameDecoder.frame(Array(repeating: 0, count: 0x0102))
        #expect(Array(framed.prefix(5)) == [0, 0, 0, 1, 2])
    }

    @Test func aPartialMessageIsReported() throws {
        var decoder = GRPCFrameDecoder(maxMessageBytes: 1 << 10)
        #expect(try decoder.feed(GRPCFrameDecoder.frame([1, 2, 3]).dropLast()).isEmpty)
        #expect(decoder.hasPartialMessage)
    }

    @Test func compressedAndOversizedMessagesAreRefused() throws {
        var decoder = GRPCFrameDecoder(maxMessageBytes: 4)
        #expect {
            _ = try decoder.feed([1, 0, 0, 0, 1, 42])
        } throws: { error in
            guard case GatewayError.rpcFailed(.unimplemented, _) = error else { return false }
            return true
        }
        var small = GRPCFrameDecoder(maxMessageBytes: 4)
        // Refused from the prefix alone, before the body is buffered.
        #expect {
            _ = try small.feed([0, 0, 0, 0, 5])
        } throws: { error in
            guard case GatewayError.rpcFailed(.resourceExhausted, _) = error else { return false }
            return true
        }
    }

    @Test func grpcMessageIsPercentEncoded() {
        #expect(GRPCResponseWriter.percentEncoded("a 100% é\n") == "a 100%25 %C3%A9%0A")
    }
}
