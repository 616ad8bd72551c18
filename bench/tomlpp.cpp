// The C++ baseline for `nsbuild check` and `plan` at scale: read a TOML file with toml++ (Debian's
// libtomlplusplus-dev), as nsbuild's parser reads a spec, and exit. bench/run.sh builds it when the package is there.
#include <cstdio>
#include <toml++/toml.h>

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s FILE.toml\n", argv[0]);
    return 2;
  }
  try {
    toml::table table = toml::parse_file(argv[1]);
    // A table with no keys would mean nothing was read: fail so that the benchmark stops rather than times nothing.
    return table.empty() ? 1 : 0;
  } catch (const toml::parse_error &error) {
    std::fprintf(stderr, "%s: %s\n", argv[1], error.what());
    return 1;
  }
}
