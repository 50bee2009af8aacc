// The console's users: a file of "name:hash" lines, the hashes made by
// libxcrypt's crypt_r (yescrypt), managed by `orderctl user`. The service
// reads the file at each login, so a change needs no restart.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "util/error.h"

namespace orderd {

struct ConsoleUser {
  std::string name, hash;
};

// Every user in `file`; a missing file is no users. A line that is not
// "name:hash" is an error naming the file and line.
Result<std::vector<ConsoleUser>> read_users(const std::filesystem::path& file);

// Why `name` cannot be a user's name (letters, digits, '.', '_', '-', '@';
// 1 to 64 of them), or nothing.
std::optional<std::string> check_user_name(std::string_view name);
// Why `password` is refused (shorter than 10 characters), or nothing.
std::optional<std::string> check_password(std::string_view password);

// A new yescrypt hash of `password` with a fresh random salt.
Result<std::string> hash_password(std::string_view password);
// Whether `password` is the one `hash` was made from (in constant time).
bool password_matches(std::string_view password, const std::string& hash);

// `orderctl user add|passwd|remove`: the file rewritten whole, atomically,
// readable by its owner only. add refuses a name that exists, passwd and
// remove one that does not.
Status add_user(const std::filesystem::path& file, std::string_view name,
                std::string_view password);
Status set_password(const std::filesystem::path& file, std::string_view name,
                    std::string_view password);
Status remove_user(const std::filesystem::path& file, std::string_view name);

}  // namespace orderd
