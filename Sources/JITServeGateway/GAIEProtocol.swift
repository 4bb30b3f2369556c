/// Names of GAIE's endpoint picker protocol (DESIGN §10; the Gateway API Inference Extension's
/// proposal 004).
public enum GAIEProtocol {
    /// The picked endpoints, `ip:port[,ip:port…]`, best first: a request header and a key in
    /// the dynamic metadata namespace `envoy.lb`.
    public static let destinationHeader = "x-gateway-destination-endpoint"
    /// The endpoints the proxy allows for this request, as a header or in the filter metadata
    /// namespace `envoy.lb.subset_hint`.
    public static let subsetKey = "x-gateway-destination-endpoint-subset"
    /// The endpoint that served, in the filter metadata namespace `envoy.lb` on the response.
    public static let servedKey = "x-gateway-destination-endpoint-served"
    public static let metadataNamespace = "envoy.lb"
    public static let subsetNamespace = "envoy.lb.subset_hint"
    /// gRPC health service names: the process is up; it can route.
    public static let livenessService = "liveness"
    public static let readinessService = "readiness"
    public static let extProcService = "envoy.service.ext_proc.v3.ExternalProcessor"
}
