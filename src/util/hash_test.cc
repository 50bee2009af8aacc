#include "util/hash.h"

#include <doctest/doctest.h>

#include "test_util.h"

using namespace orderd;

TEST_CASE("sha256: of text, and of a file read as a stream, alike") {
  // FIPS 180-2's example, and the empty text.
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  test::TempDir dir;
  // Past one 64 KiB read, and not a multiple of it.
  std::string big;
  for (int i = 0; big.size() < 200'000; ++i) big += std::to_string(i) + ',';
  test::spit(dir.path() / "big", big);
  CHECK(sha256_file_hex((dir.path() / "big").string()) == sha256_hex(big));
  test::spit(dir.path() / "empty", "");
  CHECK(sha256_file_hex((dir.path() / "empty").string()) == sha256_hex(""));
  CHECK_FALSE(sha256_file_hex((dir.path() / "missing").string()).has_value());
}
