import Foundation

/// The model file format (little-endian):
///
///     "JSQRF001"                      magic and format version
///     u32 featurizer layout version   (a featurizer change must be retrained, not misread)
///     u32 value count, u32 × values   distinct output lengths, ascending
///     u32 × value count               training count of each value (the global baseline)
///     u8  index width (2 or 4)        bytes per leaf sample (an index into the values)
///     forest × 2 (text, token count):
///       u8 feature set, u32 feature count, u32 tree count, per tree:
///         u32 node count, i16 × n feature, f32 × n threshold, i32 × n left, i32 × n right,
///         u32 leaf sample count, index × leaf sample count
///
/// Leaf samples are stored as indices into the value table: ShareGPT responses take ~2,000
/// distinct lengths, so two bytes each instead of four keep the shipped model small.
extension QRFLengthPredictor {
    static let magic = "JSQRF001"
    /// Bump whenever `PromptFeaturizer` changes what a slot means.
    public static let featurizerVersion: UInt32 = 1
    /// Resource name of the shipped model (in `Resources/`).
    public static let defaultResourceName = "qrf-sharegpt"

    /// The encoded model.
    public func serialized() -> [UInt8] {
        let values = Array(Set(trainingLengths + (textForest.trees + tokenCountForest.trees).flatMap { $0.leafValues.map(Int.init) })).sorted()
        var indexOf: [Int: Int] = [:]
        for (k, v) in values.enumerated() { indexOf[v] = k }
        var counts = [UInt32](repeating: 0, count: values.count)
        for length in trainingLengths { counts[indexOf[length]!] += 1 }
        let wide = values.count > Int(UInt16.max) + 1
        var writer = ModelByteWriter()
        writer.append(ascii: Self.magic)
        writer.append(Self.featurizerVersion)
        writer.append(UInt32(values.count))
        for v in values { writer.append(UInt32(v)) }
        for c in counts { writer.append(c) }
        writer.append(UInt8(wide ? 4 : 2))
        for (set, forest) in [(PromptFeatureSet.text, textForest), (.tokenCount, tokenCountForest)] {
            writer.append(set.rawValue)
            writer.append(UInt32(forest.featureCount))
            writer.append(UInt32(forest.trees.count))
            for tree in forest.trees {
                writer.append(UInt32(tree.nodeCount))
                for f in tree.feature { writer.append(Int16(f)) }
                for t in tree.threshold { writer.append(t) }
                for l in tree.left { writer.append(l) }
                for r in tree.right { writer.append(r) }
                writer.append(UInt32(tree.leafValues.count))
                for v in tree.leafValues {
                    let index = indexOf[Int(v)]!
                    if wide { writer.append(UInt32(index)) } else { writer.append(UInt16(index)) }
                }
            }
        }
        return writer.bytes
    }

    /// Decodes a model; `path` only labels errors.
    public init(serialized bytes: [UInt8], path: String) throws {
        var reader = ModelByteReader(bytes: bytes, path: path)
        guard try reader.readASCII(count: 8) == Self.magic else { throw reader.fail("bad magic") }
        let version = try reader.read(UInt32.self)
        guard version == Self.featurizerVersion else {
            throw reader.fail("featurizer version \(version), this build reads \(Self.featurizerVersion); retrain the model")
        }
        let valueCount = try reader.readCount("value count", limit: bytes.count / 4)
        guard valueCount > 0 else { throw reader.fail("empty value table") }
        var values: [UInt32] = []
        for _ in 0..<valueCount { values.append(try reader.read(UInt32.self)) }
        var lengths: [Int] = []
        for k in 0..<valueCount {
            let count = try reader.readCount("value count", limit: 1 << 28)
            lengths.append(contentsOf: repeatElement(Int(values[k]), count: count))
        }
        let width = try reader.read(UInt8.self)
        guard width == 2 || width == 4 else { throw reader.fail("index width \(width)") }
        var forests: [QuantileRegressionForest] = []
        for expected in [PromptFeatureSet.text, .tokenCount] {
            guard try reader.read(UInt8.self) == expected.rawValue else { throw reader.fail("expected the \(expected) forest") }
            let featureCount = try reader.readCount("feature count", limit: 1 << 16)
            let treeCount = try reader.readCount("tree count", limit: 1 << 16)
            guard treeCount > 0 else { throw reader.fail("no trees") }
            var trees: [QuantileRegressionForest.Tree] = []
            for _ in 0..<treeCount {
                let n = try reader.readCount("node count", limit: bytes.count / 14)
                var tree = QuantileRegressionForest.Tree(feature: [], threshold: [], left: [], right: [], leafValues: [])
                for _ in 0..<n { tree.feature.append(Int32(try reader.read(Int16.self))) }
                for _ in 0..<n { tree.threshold.append(try reader.readFloat()) }
                for _ in 0..<n { tree.left.append(try reader.read(Int32.self)) }
                for _ in 0..<n { tree.right.append(try reader.read(Int32.self)) }
                let sampleCount = try reader.readCount("leaf sample count", limit: bytes.count / Int(width))
                for _ in 0..<sampleCount {
                    let index = width == 2 ? Int(try reader.read(UInt16.self)) : Int(try reader.read(UInt32.self))
                    guard index < valueCount else { throw reader.fail("leaf value index \(index) out of range") }
                    tree.leafValues.append(values[index])
                }
                try Self.validate(tree, featureCount: featureCount, reader: reader)
                trees.append(tree)
            }
            forests.append(QuantileRegressionForest(featureCount: featureCount, trees: trees))
        }
        guard reader.isAtEnd else { throw reader.fail("trailing bytes") }
        do {
            try self.init(textForest: forests[0], tokenCountForest: forests[1], trainingLengths: lengths)
        } catch {
            throw PredictionError.malformedModel(path: path, reason: "\(error)")
        }
    }

    /// Rejects trees whose links could loop or run out of bounds, so prediction cannot trap.
    private static func validate(_ tree: QuantileRegressionForest.Tree, featureCount: Int, reader: ModelByteReader) throws {
        let n = tree.nodeCount
        guard n > 0 else { throw reader.fail("empty tree") }
        for i in 0..<n {
            if tree.feature[i] < 0 {
                let start = Int(tree.left[i]), count = Int(tree.right[i])
                guard start >= 0, count > 0, start + count <= tree.leafValues.count else { throw reader.fail("bad leaf \(i)") }
            } else {
                // Children come after their parent (pre-order growth), which rules out cycles.
                guard Int(tree.feature[i]) < featureCount, Int(tree.left[i]) > i, Int(tree.left[i]) < n,
                      Int(tree.right[i]) > i, Int(tree.right[i]) < n else { throw reader.fail("bad node \(i)") }
            }
        }
    }

    /// Writes the model to `path` atomically (a temporary file renamed into place).
    public func save(to path: String) throws {
        let url = URL(fileURLWithPath: path)
        do {
            try Data(serialized()).write(to: url, options: .atomic)
        } catch {
            throw PredictionError.io(path: path, reason: "cannot write model: \(error.localizedDescription)")
        }
    }

    /// Reads a model file.
    public static func load(path: String) throws -> QRFLengthPredictor {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PredictionError.io(path: path, reason: "cannot read model file")
        }
        return try QRFLengthPredictor(serialized: [UInt8](data), path: path)
    }

    /// The model that ships with jitserve (trained on ShareGPT first turns; see
    /// `Resources/README.md`). Decoded once per process.
    public static func loadDefault() throws -> QRFLengthPredictor {
        try defaultModel.get()
    }

    private static let defaultModel: Result<QRFLengthPredictor, PredictionError> = {
        guard let url = Bundle.module.url(forResource: defaultResourceName, withExtension: "bin", subdirectory: "Resources") else {
            return .failure(.missingDefaultModel(resource: "Resources/\(defaultResourceName).bin"))
        }
        return Result { try load(path: url.path) }.mapError { $0 as? PredictionError ?? .io(path: url.path, reason: "\($0)") }
    }()
}
