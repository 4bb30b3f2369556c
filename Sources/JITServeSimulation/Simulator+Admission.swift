import JITServeCore
import JITServeEngine

extension Simulator {
    /// Whether replica `r`'s admission control sheds `request` arriving at `time` (never when
    /// the engine has none). Asked only of a request the engine's limits accept: the server
    /// answers those checks first (400 before 429), and the engine then records a refusal as
    /// rejected, not shed.
    func admissionRefuses(_ request: Request, on r: Int, at time: Double) -> Bool {
        let engine = replicas[r].engine
        guard let admission = engine.configuration.admission else { return false }
        guard (try? engine.limits.validate(request)) != nil else { return false }
        let now = Instant(seconds: time)
        let load = AdmissionControl.Load(engine: engine, departuresPerSecond: replicas[r].departures.perSecond(at: now))
        do {
            try admission.check(slo: request.slo, promptTokenCount: request.promptTokenCount, now: now, load: load)
            return false
        } catch {
            return true
        }
    }
}
