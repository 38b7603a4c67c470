import Foundation
import Yams

extension PolicyLoader {
  static let trackerListKeys = [
    "description", "source", "licence", "tracker_domains", "open_pixels", "redirectors",
    "parameters",
  ]

  /// Reads every list `tracking.lists` names, and the text the policy version covers: the
  /// policy followed by each list, so editing a list makes a new version.
  static func readTrackerLists(
    _ tracking: TrackingPolicy, named listNodes: [Node], source: Data, policyFile: String,
    lists: ListReader,
    reader: PolicyReader
  ) -> (TrackerLists, Data) {
    var merged = TrackerLists.empty
    var bundle = source
    for (entry, node) in zip(tracking.lists, listNodes) {
      let path = listPath(entry, besides: policyFile)
      guard let data = lists(entry) else {
        reader.report(
          "tracking.lists entry '\(entry)' cannot be read (looked for \(path))", at: node)
        continue
      }
      let listReader = PolicyReader(file: path)
      if let list = readTrackerList(data, reader: listReader) { merged.merge(list) }
      reader.include(listReader.diagnostics)
      bundle.append(contentsOf: "\n---\n# tracker list \(entry)\n".utf8)
      bundle.append(data)
    }
    return (merged, bundle)
  }

  /// Where a list named in `tracking.lists` is: in the policy file's folder.
  public static func listPath(_ entry: String, besides policyFile: String) -> String {
    let folder = (policyFile as NSString).deletingLastPathComponent
    return folder.isEmpty ? entry : folder + "/" + entry
  }

  /// One list file: where its entries come from, under what licence, and the entries.
  static func readTrackerList(_ data: Data, reader: PolicyReader) -> TrackerLists? {
    guard let root = compose(data, reader: reader, ifEmpty: "the tracker list is empty"),
      let fields = reader.fields(root, of: "the tracker list", allowed: trackerListKeys)
    else { return nil }
    for key in ["source", "licence"] {
      if let node = fields[key] {
        _ = reader.string(node, key)
      } else {
        reader.report(
          "the tracker list needs '\(key)': where its entries come from and under what terms",
          at: root)
      }
    }
    var list = TrackerLists.empty
    if let node = fields["tracker_domains"] {
      list.trackerDomains = Set(domains(node, "tracker_domains", reader: reader))
    }
    if let node = fields["open_pixels"] {
      list.openPixels = entries(node, "open_pixels", reader: reader).compactMap { name, fields in
        pattern(name, fields, "open_pixels[\(name)]", reader: reader)
      }
    }
    if let node = fields["redirectors"] {
      list.redirectors = entries(node, "redirectors", reader: reader).compactMap { name, fields in
        redirector(name, fields, reader: reader)
      }
    }
    if let node = fields["parameters"],
      let parameters = reader.fields(node, of: "parameters", allowed: ["names", "prefixes"])
    {
      let names = parameters["names"].flatMap { reader.strings($0, "parameters.names") } ?? []
      let prefixes =
        parameters["prefixes"].flatMap { reader.strings($0, "parameters.prefixes") } ?? []
      for (field, values) in [("names", names), ("prefixes", prefixes)] {
        for (value, item) in values where !isParameterName(value) {
          reader.report("parameters.\(field) '\(value)' is not a URL parameter name", at: item)
        }
      }
      list.parameterNames = Set(names.map { $0.value.lowercased() })
      list.parameterPrefixes = prefixes.map { $0.value.lowercased() }
    }
    return list
  }

  static let patternKeys = [
    "name", "family", "hosts", "path", "path_shape", "parameter", "parameter_value",
    "description",
  ]

  /// The entries of a list of mappings, each named by its `name` (or its position).
  private static func entries(_ node: Node, _ field: String, reader: PolicyReader)
    -> [(String, Fields)]
  {
    guard let sequence = node.sequence else {
      reader.report("\(field) must be a list of entries, not \(reader.describe(node))", at: node)
      return []
    }
    return sequence.enumerated().compactMap { index, item in
      let allowed =
        field == "redirectors" ? patternKeys + ["destination", "keep_parameters"] : patternKeys
      guard let fields = reader.fields(item, of: "\(field)[\(index)]", allowed: allowed) else {
        return nil
      }
      let name = fields["name"].flatMap { reader.string($0, "\(field)[\(index)].name") }
      return (name ?? String(index), fields)
    }
  }

  private static func pattern(
    _ name: String, _ fields: Fields, _ field: String, reader: PolicyReader
  )
    -> URLPattern?
  {
    let hosts = fields["hosts"].map { domains($0, "\(field).hosts", reader: reader) } ?? []
    var path: String?
    if let node = fields["path"], let text = reader.string(node, "\(field).path") {
      if text.hasPrefix("/") {
        path = text.lowercased()
      } else {
        reader.report("\(field).path '\(text)' must start with /", at: node)
      }
    }
    var parameter: String?
    if let node = fields["parameter"], let text = reader.string(node, "\(field).parameter") {
      if isParameterName(text) {
        parameter = text.lowercased()
      } else {
        reader.report("\(field).parameter '\(text)' is not a URL parameter name", at: node)
      }
    }
    var pathShape: PathShape?
    if let node = fields["path_shape"], let text = reader.string(node, "\(field).path_shape") {
      switch PathShape.parse(text) {
      case .success(let shape): pathShape = shape
      case .failure(let error):
        reader.report("\(field).path_shape: \(error.message)", at: node)
      }
    }
    var parameterShape: TextShape?
    if let node = fields["parameter_value"],
      let text = reader.string(node, "\(field).parameter_value")
    {
      if parameter == nil {
        reader.report("\(field).parameter_value needs 'parameter': whose value it is", at: node)
      }
      switch TextShape.parse(text) {
      case .success(let shape): parameterShape = shape
      case .failure(let error):
        reader.report("\(field).parameter_value: \(error.message)", at: node)
      }
    }
    if hosts.isEmpty && path == nil && parameter == nil && pathShape == nil {
      reader.report(
        "\(field) would match every URL; give hosts, a path, a path_shape or a parameter",
        at: fields.node)
      return nil
    }
    let family = fields["family"].flatMap { reader.string($0, "\(field).family") } ?? name
    return URLPattern(
      hosts: Set(hosts), pathPrefix: path, requiredParameter: parameter, pathShape: pathShape,
      parameterShape: parameterShape, family: family)
  }

  private static func redirector(_ name: String, _ fields: Fields, reader: PolicyReader)
    -> Redirector?
  {
    let field = "redirectors[\(name)]"
    guard let pattern = pattern(name, fields, field, reader: reader) else { return nil }
    var keep: Set<String> = []
    if let node = fields["keep_parameters"] {
      for (value, item) in reader.strings(node, "\(field).keep_parameters") ?? [] {
        if isParameterName(value) {
          keep.insert(value.lowercased())
        } else {
          reader.report(
            "\(field).keep_parameters '\(value)' is not a URL parameter name", at: item)
        }
      }
    }
    guard let node = fields["destination"] else {
      return Redirector(name: name, pattern: pattern, destination: nil, keepParameters: keep)
    }
    guard
      let destination = reader.fields(
        node, of: "\(field).destination",
        allowed: ["parameter", "path_segment", "encoding", "key", "ends_before", "scheme"])
    else { return nil }
    let place: Redirector.Destination.Place
    if let parameter = destination["parameter"],
      let name = reader.string(parameter, "\(field).destination.parameter")
    {
      place = .parameter(name.lowercased())
    } else if let segment = destination["path_segment"],
      let index = reader.int(segment, "\(field).destination.path_segment", atLeast: 1)
    {
      place = .pathSegment(index)
    } else {
      if destination["parameter"] == nil && destination["path_segment"] == nil {
        reader.report(
          "\(field).destination needs 'parameter' or 'path_segment': where the URL is", at: node)
      }
      return nil
    }
    let encodingName =
      destination["encoding"].flatMap { reader.string($0, "\(field).destination.encoding") }
      ?? "plain"
    let encoding: Redirector.Destination.Encoding
    switch encodingName {
    case "plain": encoding = .plain
    case "base64": encoding = .base64
    case "base64-record": encoding = .base64Record
    case "base64-json":
      guard let keyNode = destination["key"],
        let key = reader.string(keyNode, "\(field).destination.key")
      else {
        reader.report(
          "\(field).destination with encoding base64-json needs 'key': the JSON key holding the URL",
          at: node)
        return nil
      }
      encoding = .base64JSON(key: key)
    default:
      reader.report(
        "\(field).destination.encoding must be one of plain, base64, base64-json, "
          + "base64-record, not '\(encodingName)'",
        at: destination["encoding"] ?? node)
      return nil
    }
    var endsBefore: UInt8?
    if let endNode = destination["ends_before"],
      let text = reader.string(endNode, "\(field).destination.ends_before")
    {
      if text.utf8.count == 1, let byte = text.utf8.first, byte > 0x20, byte < 0x7F {
        endsBefore = byte
      } else {
        reader.report(
          "\(field).destination.ends_before '\(text)' must be one printable ASCII character",
          at: endNode)
      }
    }
    var scheme: String?
    if let schemeNode = destination["scheme"],
      let text = reader.string(schemeNode, "\(field).destination.scheme")
    {
      if text == "https" || text == "http" {
        scheme = text
      } else {
        reader.report(
          "\(field).destination.scheme must be https or http, not '\(text)'", at: schemeNode)
      }
    }
    return Redirector(
      name: name, pattern: pattern,
      destination: Redirector.Destination(
        place: place, encoding: encoding, endsBefore: endsBefore, scheme: scheme),
      keepParameters: keep)
  }

  /// Lowercased domain names, each checked to be one (no scheme, path or wildcard).
  private static func domains(_ node: Node, _ field: String, reader: PolicyReader) -> [String] {
    (reader.strings(node, field) ?? []).compactMap { value, item in
      let domain = value.lowercased()
      let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
      let valid =
        labels.count >= 2
        && labels.allSatisfy { label in
          !label.isEmpty && label.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
            && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
      guard valid else {
        reader.report(
          "\(field) entry '\(value)' is not a domain name such as tracker.example "
            + "(no scheme, path or *; subdomains match on their own)", at: item)
        return nil
      }
      return domain
    }
  }

  private static func isParameterName(_ text: String) -> Bool {
    !text.isEmpty
      && !text.contains { $0 == "&" || $0 == "=" || $0 == "?" || $0 == "#" || $0.isWhitespace }
  }
}
