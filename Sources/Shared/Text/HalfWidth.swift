extension StringProtocol {
    /// The text with the full-width forms of ASCII (U+FF01–FF5E: `２０２２／３／１５`, `１３８…`, `＋`) as ASCII,
    /// as a Chinese input method in full-width mode types them; everything else as it is.
    public var halfWidth: String {
        String(
            String.UnicodeScalarView(
                unicodeScalars.map { (0xFF01...0xFF5E).contains($0.value) ? Unicode.Scalar($0.value - 0xFEE0)! : $0 }
            ))
    }
}
