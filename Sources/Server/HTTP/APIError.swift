import Foundation
import Hummingbird
import Shared
import Storage

/// An error the API returns: an HTTP status and a JSON body with a stable `code` and a human
/// `message`, plus details where they help (which change, by how much). Never a stack trace.
///
/// ```json
/// {"code":"out-of-scope","message":"change 3 (dispute 0q7d…) belongs to 620502102203, outside …","change":3}
/// ```
public struct APIError: Error, HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    public var details: [String: JSONValue] = [:]
    /// Header fields the answer carries besides (what a refused request may send instead).
    public var headers: HTTPFields = [:]

    public init(
        _ status: HTTPResponse.Status, code: String, message: String, details: [String: JSONValue] = [:],
        headers: HTTPFields = [:]
    ) {
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var object = details
        object["code"] = .string(code)
        object["message"] = .string(message)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = try encoder.encode(JSONValue.object(object))
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    static func wire(_ error: WireError) -> APIError {
        var details: [String: JSONValue] = [:]
        if let change = error.change { details["change"] = .number(Double(change)) }
        if let field = error.field { details["field"] = .string(error.field ?? field) }
        let status: HTTPResponse.Status = error.code == .unsupportedVersion ? .unprocessableContent : .badRequest
        return APIError(status, code: error.code.rawValue, message: error.description, details: details)
    }

    /// A change of a batch the center may not take (`ChangeRefusal`): the batch is refused whole.
    static func refused(_ refusal: ChangeRefusal) -> APIError {
        let status: HTTPResponse.Status =
            switch refusal.reason {
            case .kindConflict: .conflict
            case .outOfScope, .centerOnly, .foreignReplica: .forbidden
            case .ambiguous: .badRequest
            case .scopeMismatch, .unknownArea, .clockBehind: .unprocessableContent
            }
        return APIError(
            status, code: refusal.reason.rawValue, message: refusal.message,
            details: ["change": .number(Double(refusal.change))])
    }

    static func tooLarge(_ what: String, limit: Int) -> APIError {
        APIError(
            .contentTooLarge, code: "too-large", message: "\(what); the limit is \(limit)",
            details: ["limit": .number(Double(limit))])
    }
}
