import JITServeCore
import JITServeScheduling

/// How an engine's policy was put together — the scheduler and the predictors it is told, with
/// their settings, and the admission control that sheds at its door — as comparable text, so a
/// test can tell whether two worlds (the server, the simulator) run the same JITServe. The
/// executor, the text codec and the engine's limits are left out: they differ between the
/// worlds, or between runs, by design.
public struct EngineWiring: Hashable, Sendable, CustomStringConvertible {
    public var scheduler: String
    public var lengthPredictor: String
    public var workflowPredictor: String?
    /// The admission rule's settings, or "off".
    public var admission: String

    public init(
        scheduler: any Scheduler, lengthPredictor: any OutputLengthPredictor, workflowPredictor: (any WorkflowPredictor)?,
        admission: AdmissionControl?
    ) {
        self.scheduler = Self.settings(of: scheduler)
        self.lengthPredictor = Self.settings(of: lengthPredictor)
        self.workflowPredictor = workflowPredictor.map { Self.settings(of: $0) }
        self.admission = admission.map { Self.settings(of: $0) } ?? "off"
    }

    public var description: String {
        "scheduler \(scheduler); lengths \(lengthPredictor); workflows \(workflowPredictor ?? "none"); admission \(admission)"
    }

    /// A value's type and its settings: scalar and enum properties by name, nested settings
    /// structs the same way; collections (learned state, model weights) by type only.
    static func settings(of value: Any, depth: Int = 0) -> String {
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .optional:
            return mirror.children.first.map { settings(of: $0.value, depth: depth) } ?? "nil"
        case .collection, .dictionary, .set:
            return String(describing: type(of: value))
        case .enum:
            return "\(value)"
        case .struct, .class, .tuple:
            guard !mirror.children.isEmpty, depth < 3 else { return String(reflecting: type(of: value)) }
            let fields = mirror.children.map { child in
                "\(child.label ?? "_")=\(settings(of: child.value, depth: depth + 1))"
            }
            return "\(String(reflecting: type(of: value)))(\(fields.joined(separator: ", ")))"
        default:
            return "\(value)"
        }
    }
}
