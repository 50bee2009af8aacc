// Helpers shared by the tests: temporary folders, running the real binaries,
// finding the shared conformance files.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace orderd::test {

// A fresh folder under /tmp, removed with everything in it at destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& p) const { return path_ / p; }

 private:
  std::filesystem::path path_;
};

struct RunResult {
  int code = -1;  // exit code, or 128+signal when killed
  std::string out, err;
};

// Runs `argv` (argv[0] a path) with extra environment `env` ("K=V").
RunResult run(const std::vector<std::string>& argv, const std::vector<std::string>& env = {});

std::string bin(const std::string& name);  // build/bin/<name>
std::string slurp(const std::filesystem::path& p);
void spit(const std::filesystem::path& p, const std::string& data);

// ../shared/conformance beside the project, if present.
std::optional<std::filesystem::path> conformance_dir();

// Every regular file under `dir`, recursively, sorted.
std::vector<std::filesystem::path> files_under(const std::filesystem::path& dir);

}  // namespace orderd::test
