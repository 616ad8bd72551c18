import Testing
import YAML

/// Trees written with libyaml's emitter and read back with its parser stay the same trees, scalars keeping their
/// text and (for strings that YAML 1.1 would read as something else) their quotes.
@Suite struct YAMLRoundTripTests {
  /// Strings a careless writer turns into booleans, numbers, nulls, comments or structure.
  static let trickyStrings = [
    "no", "No", "yes", "on", "OFF", "y", "n", "true", "null", "~", "", "0o17", "017", "0x1F", "1:20", "1_000",
    "-1", "+1", ".5", ".inf", "2001-12-14", ":", "a: b", "a:b", "- x", "-", "#", "x #y", "key:", "@at", "`tick",
    "%percent", "*star", "&anchor", "!bang", "|", ">", "{", "}", "[", "]", ",", "?", "'", "\"", "\\",
    " leading", "trailing ", "tab\there", "üñí ☃", "<<", "=", "multi\nline", "multi\nline\n", "ends in blank \n",
    "\n\nleading newlines", "nul\u{0}byte", "bell\u{7}", "crlf\r\nline",
  ]

  @Test(arguments: trickyStrings)
  func stringReadsBackAsItself(_ text: String) throws {
    let tree = YAMLNode.mapping([("value", .string(text)), ("list", .sequence([.string(text)]))])
    let yaml = try YAMLEmitter.emit([tree])
    let documents = try YAMLParser.parse(Array(yaml.utf8))
    #expect(documents.count == 1)
    let value = try #require(documents.first?.value(for: "value"))
    #expect(value.scalar == text, "emitted as \(yaml)")
    // Read as Kubernetes reads it (YAML 1.1): still a string, not a boolean, number or null.
    #expect(YAMLScalars.boolean(value) == nil)
    #expect(YAMLScalars.integer(value) == nil)
    #expect(!YAMLScalars.isNull(value))
    #expect(documents.first?.value(for: "list")?.items?.first?.scalar == text)
  }

  @Test func plainStringsStayPlain() throws {
    let yaml = try YAMLEmitter.emit([.mapping([("image", .string("debian:12")), ("path", .string("/usr/bin"))])])
    #expect(yaml == "image: debian:12\npath: /usr/bin\n")
  }

  @Test func integersAndBooleansStayPlain() throws {
    let yaml = try YAMLEmitter.emit([.mapping([("runAsUser", .integer(1000)), ("readOnly", .boolean(true))])])
    #expect(yaml == "runAsUser: 1000\nreadOnly: true\n")
    let document = try #require(try YAMLParser.parse(Array(yaml.utf8)).first)
    #expect(document.value(for: "runAsUser").flatMap(YAMLScalars.integer) == 1000)
    #expect(document.value(for: "readOnly").flatMap(YAMLScalars.boolean) == true)
  }

  @Test func parsedTreesEmitAndParseToTheSameTrees() throws {
    let source = """
      # a comment
      kind: Pod
      spec:
        containers:
        - name: main
          args: ["sh", '-c', "echo \\"hi\\""]
          env: {A: "1", B: no}
        script: |
          line one
            indented
        folded: >
          one
          two
      """
    let first = try YAMLParser.parse(Array(source.utf8))
    let again = try YAMLParser.parse(Array(try YAMLEmitter.emit(first).utf8))
    #expect(again.map(\.withoutMarks) == first.map(\.withoutMarks))
    let env = first.first?.value(for: "spec")?.value(for: "containers")?.items?.first?.value(for: "env")
    #expect(env?.value(for: "B").flatMap(YAMLScalars.boolean) == false)
    #expect(first.first?.value(for: "spec")?.value(for: "script")?.scalar == "line one\n  indented\n")
    #expect(first.first?.value(for: "spec")?.value(for: "folded")?.scalar == "one two")
  }

  @Test func multiDocumentStreamsKeepEveryDocument() throws {
    let source = "kind: Deployment\n---\nkind: Service\n---\n# empty\n"
    let documents = try YAMLParser.parse(Array(source.utf8))
    #expect(documents.map { $0.value(for: "kind")?.scalar } == ["Deployment", "Service", nil])
    #expect(documents[1].mark == YAMLMark(line: 3, column: 1))
    let yaml = try YAMLEmitter.emit(Array(documents.prefix(2)))
    #expect(yaml == "kind: Deployment\n---\nkind: Service\n")
  }

  /// Found by fuzz/yaml.sh: a document of one empty plain scalar (`&a` alone) vanished through the emitter.
  @Test func aDocumentOfAnEmptyScalarSurvivesTheEmitter() throws {
    for source in ["&a \n", "--- \n", "a: 1\n---\n---\nb: 2\n"] {
      let documents = try YAMLParser.parse(Array(source.utf8))
      let again = try YAMLParser.parse(Array(try YAMLEmitter.emit(documents).utf8))
      #expect(again.map(\.withoutMarks) == documents.map(\.withoutMarks), "\(source)")
    }
  }

  @Test func emptyInputIsNoDocument() throws {
    #expect(try YAMLParser.parse([]).isEmpty)
    #expect(try YAMLEmitter.emit([]).isEmpty)
  }

  @Test func everyNodeHasItsMark() throws {
    let source = "a:\n  - x\n  - {b: c}\n"
    let document = try #require(try YAMLParser.parse(Array(source.utf8)).first)
    let list = try #require(document.value(for: "a"))
    #expect(list.mark == YAMLMark(line: 2, column: 3))
    #expect(list.items?[0].mark == YAMLMark(line: 2, column: 5))
    #expect(list.items?[1].value(for: "b")?.mark == YAMLMark(line: 3, column: 9))
    #expect(document.pairs?.first?.key.mark == YAMLMark(line: 1, column: 1))
  }

  @Test func tagsAndStylesAreKept() throws {
    let document = try #require(try YAMLParser.parse(Array("a: !!str 12\nb: '12'\n".utf8)).first)
    #expect(document.value(for: "a")?.tag == "tag:yaml.org,2002:str")
    #expect(document.value(for: "a").flatMap(YAMLScalars.integer) == nil)
    #expect(document.value(for: "b")?.content == .scalar("12", style: .singleQuoted))
    let yaml = try YAMLEmitter.emit([document])
    #expect(yaml == "a: !!str 12\nb: '12'\n")
  }

  @Test func aliasesExpandToTheAnchoredNode() throws {
    let document = try #require(try YAMLParser.parse(Array("a: &x {k: v}\nb: *x\n".utf8)).first)
    #expect(document.value(for: "b")?.value(for: "k")?.scalar == "v")
    #expect(document.value(for: "b")?.mark == YAMLMark(line: 2, column: 4))
  }

  @Test(
    arguments: [("0o17", 15), ("017", 15), ("0x1F", 31), ("-12", -12), ("1_000", 1000), ("+7", 7)] as [(String, Int64)])
  func integersReadAsYAML11Does(_ text: String, _ value: Int64) throws {
    let document = try #require(try YAMLParser.parse(Array("v: \(text)\n".utf8)).first)
    #expect(document.value(for: "v").flatMap(YAMLScalars.integer) == value)
  }
}

extension YAMLNode {
  /// The tree with every mark zeroed, for comparing what two inputs say.
  var withoutMarks: YAMLNode {
    var copy = self
    copy.mark = YAMLMark(line: 0, column: 0)
    switch content {
    case .scalar: break
    case .sequence(let items): copy.content = .sequence(items.map(\.withoutMarks))
    case .mapping(let pairs):
      copy.content = .mapping(pairs.map { YAMLPair($0.key.withoutMarks, $0.value.withoutMarks) })
    }
    return copy
  }
}
