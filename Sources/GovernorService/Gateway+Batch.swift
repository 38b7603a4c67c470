import Foundation
import GovernorCore
import GovernorStore

/// How one item of `POST /v1/messages/batch` ended.
public enum BatchItemResult: Sendable {
  case submitted(Submission)
  /// The item cannot be sent as given; nothing was stored for it.
  case invalid(InvalidRecord)
  /// Its id was decided before for a different message; nothing was done for it.
  case conflict(MessageIdConflict)
  /// The gateway could not finish it (the store failed); safe to retry with the same id.
  case failed
}

extension Gateway {
  /// Items per batch: past this a client should split, so one request cannot hold a
  /// connection for minutes.
  public static let batchLimit = 500

  /// Splits `{"messages": [...]}` into one JSON document per item, so each item is decoded
  /// and refused on its own. Throws only when the body as a whole is unusable.
  public static func batchItems(_ body: Data) throws(InvalidRecord) -> [Data] {
    guard String(validating: body, as: UTF8.self) != nil else {
      throw InvalidRecord(field: "body", problem: "is not valid UTF-8")
    }
    let object: Any
    do {
      object = try JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed])
    } catch {
      throw InvalidRecord(field: "body", problem: "is not valid JSON")
    }
    guard let messages = (object as? [String: Any])?["messages"] as? [Any] else {
      throw InvalidRecord(field: "messages", problem: "must be an array of messages")
    }
    guard !messages.isEmpty, messages.count <= batchLimit else {
      throw InvalidRecord(field: "messages", problem: "must hold 1 to \(batchLimit) messages")
    }
    return messages.map {
      (try? JSONSerialization.data(withJSONObject: $0, options: [.fragmentsAllowed])) ?? Data()
    }
  }

  /// Submits every item. Items for the same customer go in the order given (the earlier one
  /// takes a cap slot first); different customers run side by side.
  public func submitBatch(_ items: [Data], concurrency: Int = 8) async -> [BatchItemResult] {
    await submitAll(
      items.map { item in
        Result { () throws(InvalidRecord) in try RecordDecoding.decode(Message.self, from: item) }
      }, concurrency: concurrency)
  }

  /// Submits every message, in the order given per customer; an item that could not be read
  /// is answered as it is.
  func submitAll(_ items: [Result<Message, InvalidRecord>], concurrency: Int) async
    -> [BatchItemResult]
  {
    // One recipient (most SMTP messages, every listmonk postback): no task group to set up.
    if items.count == 1, case .success(let message) = items[0] {
      return [await submitItem(message)]
    }
    var results = [BatchItemResult](repeating: .failed, count: items.count)
    var queues: [String: [(Int, Message)]] = [:]
    var customerOrder: [String] = []
    for (index, item) in items.enumerated() {
      switch item {
      case .success(let message):
        if queues[message.customerId] == nil { customerOrder.append(message.customerId) }
        queues[message.customerId, default: []].append((index, message))
      case .failure(let error):
        results[index] = .invalid(error)
      }
    }
    await withTaskGroup(of: [(Int, BatchItemResult)].self) { group in
      var pending = customerOrder.makeIterator()
      func startNext() {
        guard let customer = pending.next(), let queue = queues[customer] else { return }
        group.addTask {
          var done: [(Int, BatchItemResult)] = []
          for (index, message) in queue {
            done.append((index, await submitItem(message)))
          }
          return done
        }
      }
      for _ in 0..<concurrency { startNext() }
      for await finished in group {
        for (index, result) in finished { results[index] = result }
        startNext()
      }
    }
    return results
  }

  private func submitItem(_ message: Message) async -> BatchItemResult {
    do {
      return .submitted(try await submit(message))
    } catch let invalid as InvalidRecord {
      return .invalid(invalid)
    } catch let conflict as MessageIdConflict {
      return .conflict(conflict)
    } catch {
      return .failed
    }
  }
}
