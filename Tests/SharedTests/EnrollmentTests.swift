import Shared
import Testing

@Suite struct EnrollmentTests {
    let enrollment = Enrollment(
        url: "http://10.1.2.3:8080", credential: DeviceCredential.generate(), scope: Sample.villageA, role: .grid,
        worker: "张网格")

    @Test func anEnrollmentStringReadsBackWhateverItsCaseAndSpacing() throws {
        let text = enrollment.text
        #expect(text.hasPrefix("FS1-"))
        #expect(try Enrollment(parsing: text) == enrollment)
        #expect(try Enrollment(parsing: text.lowercased()) == enrollment)
        let retyped = text.replacingOccurrences(of: "-", with: " ").replacingOccurrences(of: "FS1 ", with: "FS1-")
        #expect(try Enrollment(parsing: "  " + retyped + "\n") == enrollment)
    }

    @Test func aMistypedCharacterIsCaught() throws {
        var characters = Array(enrollment.text)
        let index = characters.count / 2
        characters[index] = characters[index] == "A" ? "B" : "A"
        #expect(throws: EnrollmentError.checksum) { try Enrollment(parsing: String(characters)) }
        #expect(throws: EnrollmentError.notAnEnrollment) { try Enrollment(parsing: "hello") }
        #expect {
            try Enrollment(parsing: enrollment.text + "U")
        } throws: { error in
            (error as? EnrollmentError) == .badCharacter("U")
        }
    }

    @Test func credentialsCompareTheirSecretOnly() {
        let credential = DeviceCredential.generate()
        #expect(credential.matches(credential.secretHash))
        let other = DeviceCredential(device: credential.device, secret: DeviceCredential.generate().secret)
        #expect(!other.matches(credential.secretHash))
        #expect(DeviceCredential(token: credential.token) == credential)
        #expect(DeviceCredential(token: "short.token") == nil)
        #expect("\(credential)" == credential.device)
    }
}
