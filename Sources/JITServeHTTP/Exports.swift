// The wire format (JSON values, request bodies, SLO headers, errors) lives in JITServeWire so its
// parsers build without the HTTP stack; everything that imports the server sees it as before.
@_exported import JITServeWire

/// Hummingbird has an `HTTPError` of its own; inside this module the name means ours.
typealias HTTPError = JITServeWire.HTTPError
