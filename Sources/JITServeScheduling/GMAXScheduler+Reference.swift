extension GMAXScheduler {
    /// The plan `schedule` must return, computed the straightforward way: every request sorted,
    /// grouping over the whole order, and the packer walking the concatenated rows with
    /// preemption victims ranked by ID. `schedule` ranks only as far as it must; the tests hold
    /// the two to the same plan on many random snapshots. Not for serving: it sorts everything.
    func referencePlan(_ snapshot: SchedulerSnapshot) -> SchedulePlan {
        var budgeted = snapshot
        let rows = SnapshotRows(budgeted)
        var candidates = rank(rows, in: budgeted)
        if options.tbtGuard { applyTBTGuard(&budgeted, candidates: candidates, states: rows) }
        candidates.sort(by: Self.servedBefore)
        if options.grouping {
            candidates = group(candidates, batchSize: batchSize(candidates, states: rows, budget: budgeted.budget))
        }
        let packer = packer(candidates, states: rows, running: budgeted.running.count)
        // The ration is indexed by row, so the order of `candidates` does not matter to it.
        let ration = prefillRation(candidates, budget: budgeted.budget)
        return packer.pack(order: candidates.map(\.index), of: budgeted.running + budgeted.waiting, snapshot: budgeted,
                           ration: ration)
    }
}
