using System.Diagnostics.CodeAnalysis;

// Test names are behaviour sentences with underscores (project style); CA1707 is for library APIs.
[assembly: SuppressMessage("Naming", "CA1707:Identifiers should not contain underscores", Justification = "Test names are sentences.", Scope = "namespaceanddescendants", Target = "~N:Homegate.Gateway.Tests.Lightning")]
