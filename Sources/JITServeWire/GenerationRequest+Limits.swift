extension GenerationRequest {
    /// Refuses a request past `limits`, naming the field at fault.
    public func check(_ limits: RequestSizeLimits) throws(HTTPError) {
        if case .chat(let messages, _) = prompt, messages.count > limits.maxMessages {
            throw .invalidField(
                "messages", reason: "\(messages.count) messages; this server accepts at most \(limits.maxMessages)")
        }
        let stops = sampling.stopStrings
        if stops.count > limits.maxStopStrings {
            throw .invalidField("stop", reason: "\(stops.count) stop strings; this server accepts at most \(limits.maxStopStrings)")
        }
        if let index = stops.firstIndex(where: { $0.utf8.count > limits.maxStopStringBytes }) {
            throw .invalidField(
                "stop[\(index)]",
                reason: "\(stops[index].utf8.count) bytes; this server accepts stop strings of at most \(limits.maxStopStringBytes)")
        }
    }
}
