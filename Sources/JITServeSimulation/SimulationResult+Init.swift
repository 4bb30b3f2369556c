import JITServeCore

extension SimulationResult {
    /// A result measured elsewhere (`bench live`, over HTTP: no iterations of its own, its
    /// wall time as the run's length), so that it is summarised, tabled and reported exactly as a
    /// simulation is.
    public init(
        measuredRecords records: [RequestRecord], report: GoodputReport, seconds simulatedSeconds: Double,
        unfinishedCount: Int, unreleasedCallCount: Int, callCount: Int
    ) {
        self.records = records
        self.report = report
        iterationCount = 0
        self.simulatedSeconds = simulatedSeconds
        self.unfinishedCount = unfinishedCount
        self.unreleasedCallCount = unreleasedCallCount
        self.callCount = callCount
    }
}
