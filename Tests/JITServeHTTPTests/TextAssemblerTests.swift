import JITServeHTTP
import Testing

@Suite struct TextAssemblerTests {
    /// Feeds `pieces` one token at a time and returns every delta plus the final flush.
    func run(_ pieces: [[UInt8]], stops: [String] = []) -> (deltas: [String], assembler: TextAssembler) {
        var assembler = TextAssembler(stopStrings: stops)
        var deltas = pieces.map { assembler.append($0) }
        deltas.append(assembler.finish())
        return (deltas, assembler)
    }

    @Test func sendsACharacterSplitAcrossTokensWhole() {
        let euro = Array("€".utf8)  // three bytes
        let (deltas, assembler) = run([[UInt8(ascii: "a")], [euro[0]], [euro[1]], [euro[2], UInt8(ascii: "b")]])
        #expect(deltas == ["a", "", "", "€b", ""])
        #expect(assembler.text == "a€b")
    }

    @Test func stopsBeforeAStopStringSpanningTokens() {
        let pieces = ["Hel", "lo E", "N", "D more"].map { Array($0.utf8) }
        let (deltas, assembler) = run(pieces, stops: ["END"])
        #expect(deltas.joined() == "Hello ")
        #expect(assembler.isStopped)
        #expect(assembler.text == "Hello ")
    }

    @Test func releasesHeldBackTextWhenNoStopFollows() {
        let pieces = ["ab", "cE", "Nx"].map { Array($0.utf8) }
        let (deltas, assembler) = run(pieces, stops: ["END"])
        #expect(deltas.joined() == "abcENx")
        #expect(!assembler.isStopped)
        // Text that could begin the stop string waits for the next token.
        #expect(!deltas[1].hasSuffix("E"))
    }

    @Test func earliestOfSeveralStopStringsWins() {
        let (deltas, _) = run([Array("one two three".utf8)], stops: ["three", "two"])
        #expect(deltas.joined() == "one ")
    }

    @Test func dropsAnIncompleteTrailingCharacter() {
        let (deltas, assembler) = run([Array("ok".utf8), [0xE2, 0x82]])
        #expect(deltas.joined() == "ok")
        #expect(assembler.text == "ok")
    }
}
