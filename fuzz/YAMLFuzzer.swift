// libFuzzer entry point for the YAML reader and writer the Kubernetes export and import use (Sources/YAML, over
// the system libyaml).
//
// Built by fuzz/yaml.sh together with Sources/YAML into one module. Each input is parsed; an error must carry a
// place at or after 1:1, and a tree must emit and parse back to the same text of scalars. A crash, trap,
// sanitizer report or a run longer than the script's -timeout is a finding.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  do {
    let documents = try YAMLParser.parse(bytes)
    let again = try YAMLParser.parse(Array(try YAMLEmitter.emit(documents).utf8))
    precondition(again.map(scalars) == documents.map(scalars), "scalars changed through the emitter")
  } catch {
    if let mark = error.mark { precondition(mark.line >= 1 && mark.column >= 1, "mark out of range") }
  }
  return 0
}

/// Every scalar's text, depth first.
func scalars(_ node: YAMLNode) -> [String] {
  switch node.content {
  case .scalar(let text, _): [text]
  case .sequence(let items): items.flatMap(scalars)
  case .mapping(let pairs): pairs.flatMap { scalars($0.key) + scalars($0.value) }
  }
}
