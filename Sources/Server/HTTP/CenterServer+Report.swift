import ArgumentParser
import Console
import Foundation
import Hummingbird
import Shared
import Storage

/// `GET /v1/report`: the district's report for town and district devices, within their scope.
extension CenterServer {
    /// The query parameters: those of `center report`, one contract (`year`, `month`, `week`, `from`,
    /// `to`, `scope`, `by`, `format`, `as-of`), plus `lang`.
    static let reportParameters: Set<String> = [
        "year", "month", "week", "from", "to", "scope", "by", "format", "as-of",
    ]

    func report(_ request: Request, context: CenterRequestContext) async throws -> Response {
        let device = try context.authenticated()
        guard device.role != .grid else {
            throw APIError(
                .forbidden, code: "role",
                message: "reports are for town and district devices; a grid device sees its own with `field report`")
        }
        var arguments: [String] = []
        var language = Language.zh
        for item in request.uri.queryParameters {
            let name = String(item.key)
            let value = String(item.value)
            if name == "lang" {
                guard let chosen = Language(rawValue: value) else {
                    throw APIError(.badRequest, code: "bad-parameter", message: "lang '\(value)': expected zh or en")
                }
                language = chosen
                continue
            }
            guard Self.reportParameters.contains(name) else {
                throw APIError(
                    .badRequest, code: "bad-parameter",
                    message: "unknown parameter '\(name)'; a report takes "
                        + Self.reportParameters.sorted().joined(separator: ", ") + ", lang")
            }
            arguments += ["--\(name)", value]
        }
        let options: ReportOptions
        let reportRequest: ReportRequest
        let format: ReportOutput.Format
        do {
            options = try ReportOptions.parse(arguments)
            format = try options.outputFormat()
            reportRequest = try options.request(today: LocalTime.today(wallClock))
        } catch {
            // Parser errors and ours alike: the message names the parameter and what it expects.
            throw APIError(.badRequest, code: "bad-parameter", message: ReportOptions.message(for: error))
        }
        var scoped = reportRequest
        if let scope = reportRequest.scope {
            guard device.scope.covers(scope) else {
                throw APIError(
                    .forbidden, code: "out-of-scope",
                    message: "scope \(scope) is outside this device's scope \(device.scope)",
                    details: ["scope": .string(scope.description)])
            }
        } else {
            scoped.scope = device.scope
        }
        let report: Report
        do {
            report = try await store.report(scoped)
        } catch let error as InputError {
            throw APIError(.badRequest, code: "bad-parameter", message: error.description)
        }
        let text = ReportOutput(language: language).render(report, as: format)
        return try response(Array(text.utf8), contentType: format.contentType, for: request, threshold: 1024)
    }
}
