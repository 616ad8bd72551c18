import SpecParser

/// The part of a Kubernetes Pod (core/v1) that a spec maps to: one container, its volumes and security context.
/// Only the fields an export writes; the rest of the API is out of reach here on purpose.
public struct KubernetesPod: Sendable, Hashable {
  public var name: String
  public var hostname: String?
  /// `spec.hostUsers`; nil leaves the API default (true: no user namespace).
  public var hostUsers: Bool?
  /// `spec.hostNetwork`, `hostPID`, `hostIPC`: the node's namespace instead of the Pod's own.
  public var hostNetwork = false
  public var hostPID = false
  public var hostIPC = false
  /// `spec.shareProcessNamespace`: one pid namespace for the Pod, the pause container as its pid 1.
  public var shareProcessNamespace = false
  /// `spec.enableServiceLinks`: false keeps the cluster's service variables out of the environment.
  public var enableServiceLinks: Bool?
  /// `spec.securityContext.supplementalGroups`.
  public var supplementalGroups: [UInt32]?
  /// `spec.volumes`, one per bind or tmpfs, in the spec's order.
  public var volumes: [Volume] = []
  public var container: Container

  public init(name: String, container: Container) {
    self.name = name
    self.container = container
  }

  /// `spec.volumes[]`.
  public struct Volume: Sendable, Hashable {
    public enum Source: Sendable, Hashable {
      /// `hostPath.path`.
      case hostPath(String)
      /// `emptyDir` with `medium: Memory` (a tmpfs) and its `sizeLimit` in bytes.
      case memory(sizeLimit: UInt64?)
    }

    public var name: String
    public var source: Source

    public init(name: String, source: Source) {
      self.name = name
      self.source = source
    }
  }

  /// `containers[].volumeMounts[]`.
  public struct VolumeMount: Sendable, Hashable {
    public var name: String
    public var mountPath: String
    public var readOnly = false
    /// `Enabled` when set: read-only all the way down (mount_setattr(2) `MOUNT_ATTR_RDONLY` with `AT_RECURSIVE`).
    public var recursiveReadOnly = false
    /// `None`, `HostToContainer` or `Bidirectional`; nil leaves the default (None).
    public var mountPropagation: String?

    public init(name: String, mountPath: String) {
      self.name = name
      self.mountPath = mountPath
    }
  }

  /// `containers[0]`.
  public struct Container: Sendable, Hashable {
    public var name: String
    public var image: String?
    public var command: [String]?
    public var args: [String]?
    public var env: [EnvironmentVariable] = []
    public var workingDir: String?
    public var volumeMounts: [VolumeMount] = []
    /// `securityContext`: the IDs, read-only root and privilege escalation; nil leaves the field out.
    public var runAsUser: UInt32?
    public var runAsGroup: UInt32?
    public var readOnlyRootFilesystem: Bool?
    public var allowPrivilegeEscalation: Bool?
    /// `capabilities.drop`, then `capabilities.add`, by their names without `CAP_`.
    public var dropCapabilities: [String] = []
    public var addCapabilities: [String] = []

    public init(name: String) {
      self.name = name
    }
  }
}
