import Testing

@testable import jitserve

/// Client text is plain text unless the user opts back in (issue 16, prompt integrity).
@Suite struct PromptIntegrityDefaultTests {
    @Test func serveAndGenerateReadContentAsPlainTextByDefault() throws {
        let serve = try ServeCommand.parseAsRoot([]) as! ServeCommand
        #expect(!serve.parseSpecialInContent)
        let optedIn = try ServeCommand.parseAsRoot(["--parse-special-in-content"]) as! ServeCommand
        #expect(optedIn.parseSpecialInContent)
        let generate = try GenerateCommand.parseAsRoot(["--prompt", "x"]) as! GenerateCommand
        #expect(!generate.parseSpecialInContent)
    }
}
