import CCurl
import CSQLite
import Testing

@Test func systemLibrariesLink() {
    #expect(sqlite3_libversion_number() >= 3_040_000)
}
