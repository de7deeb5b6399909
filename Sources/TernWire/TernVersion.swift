/// The release of Tern these sources are: what `ternd --version` and every tool's
/// `--version` print. Defined here, in the module everything else builds on, so there is
/// one place to change it.
public enum TernVersion {
    /// Semantic versioning: major.minor.patch.
    public static let number = "0.9.0"
}
