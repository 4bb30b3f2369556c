import JITServeEngine
import Testing

@Suite struct DetokenizerTests {
    /// Feeds each piece's bytes as tokens (the byte codec makes one token per byte) and returns
    /// each piece's text, then the final flush, and whether a stop string was found.
    func run(_ pieces: [[UInt8]], stops: [String] = []) -> (deltas: [String], stopped: Bool) {
        var detokenizer = ByteCodec().makeDetokenizer(stopStrings: stops)
        var deltas: [String] = []
        var stopped = false
        for piece in pieces {
            var text = ""
            for byte in piece {
                let delta = detokenizer.append(Int32(byte))
                text += delta.text
                stopped = stopped || delta.isStopped
            }
            deltas.append(text)
        }
        deltas.append(detokenizer.finish())
        return (deltas, stopped)
    }

    @Test func sendsACharacterSplitAcrossTokensWhole() {
        let euro = Array("€".utf8)  // three bytes
        let (deltas, _) = run([[UInt8(ascii: "a")], [euro[0]], [euro[1]], [euro[2], UInt8(ascii: "b")]])
        #expect(deltas == ["a", "", "", "€b", ""])
    }

    @Test func stopsBeforeAStopStringSpanningTokens() {
        let (deltas, stopped) = run(["Hel", "lo E", "N", "D more"].map { Array($0.utf8) }, stops: ["END"])
        #expect(deltas.joined() == "Hello ")
        #expect(stopped)
    }

    @Test func releasesHeldBackTextWhenNoStopFollows() {
        let (deltas, stopped) = run(["ab", "cE", "Nx"].map { Array($0.utf8) }, stops: ["END"])
        #expect(deltas.joined() == "abcENx")
        #expect(!stopped)
        // Text that could begin the stop string waits for the next token.
        #expect(!deltas[1].hasSuffix("E"))
    }

    @Test func earliestOfSeveralStopStringsWins() {
        let (deltas, _) = run([Array("one two three".utf8)], stops: ["three", "two"])
        #expect(deltas.joined() == "one ")
    }

    @Test func aStopStringMadeOfMultibyteCharactersIsFound() {
        let (deltas, stopped) = run([Array("Grüße, ".utf8), Array("世界!".utf8)], stops: ["世界"])
        #expect(deltas.joined() == "Grüße, ")
        #expect(stopped)
    }

    @Test func nothingMoreAfterAStop() {
        var detokenizer = ByteCodec().makeDetokenizer(stopStrings: ["x"])
        #expect(detokenizer.append(Int32(UInt8(ascii: "x"))) == .init(text: "", isStopped: true))
        #expect(detokenizer.append(Int32(UInt8(ascii: "y"))) == .init(text: "", isStopped: true))
        #expect(detokenizer.finish() == "")
    }

    @Test func anIncompleteTrailingCharacterEndsAsReplacementLikeDecode() {
        let bytes: [UInt8] = Array("ok".utf8) + [0xE2, 0x82]
        let (deltas, _) = run([bytes])
        #expect(deltas.joined() == "ok\u{FFFD}")
        #expect(deltas.joined() == ByteCodec().decode(bytes.map { Int32($0) }))
    }

    @Test func streamedTextEqualsTheWholeDecodeForAnyBytes() {
        // Invalid bytes in the middle go out as U+FFFD as they come; the stream never stalls.
        let bytes: [UInt8] = [0x41, 0xFF, 0xE2, 0x82, 0xAC, 0xC0, 0x80, 0xF0, 0x9F, 0x99, 0x82, 0x42, 0xF0]
        let (deltas, _) = run(bytes.map { [$0] })
        #expect(deltas.joined() == ByteCodec().decode(bytes.map { Int32($0) }))
    }
}
