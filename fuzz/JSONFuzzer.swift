// libFuzzer entry point for the JSON scanner an OCI import reads config.json with (Sources/Interchange/OCI).
//
// Built by fuzz/json.sh together with JSONSyntax.swift and OCINumberCheck.swift (pure Swift, no imports) into one
// module. Each input is scanned; an error must name a place inside the input, and a document's every node must
// start inside it. A crash, trap, sanitizer report or a run longer than the script's -timeout is a finding.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  do {
    let tree = try JSONSyntax.parse(bytes)
    check(tree, size: size)
    if let problem = OCINumberCheck.firstProblem(in: tree) {
      precondition(problem.offset >= 0 && problem.offset < size, "number problem outside the input")
    }
  } catch {
    precondition(error.offset >= 0 && error.offset <= size, "error offset outside the input")
    let place = JSONSyntax.position(of: error.offset, in: bytes)
    precondition(place.line >= 1 && place.column >= 1, "position out of range")
  }
  return 0
}

func check(_ node: JSONNode, size: Int) {
  precondition(node.offset >= 0 && node.offset < size, "node outside the input")
  switch node.kind {
  case .object(let members):
    for member in members {
      precondition(member.keyOffset < member.value.offset, "key after its value")
      check(member.value, size: size)
    }
  case .array(let elements): for element in elements { check(element, size: size) }
  case .string, .scalar: break
  }
}
