#include "console/users.h"

#include <crypt.h>
#include <fmt/format.h>
#include <openssl/crypto.h>
#include <sys/stat.h>

#include <cctype>
#include <functional>
#include <memory>

#include "util/fs.h"

namespace orderd {

Result<std::vector<ConsoleUser>> read_users(const std::filesystem::path& file) {
  std::vector<ConsoleUser> users;
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return users;
  auto text = read_file(file, 1 << 20);
  if (!text) return std::unexpected(text.error());
  std::size_t at = 0;
  for (int line = 1; at < text->size(); ++line) {
    auto nl = text->find('\n', at);
    if (nl == std::string::npos) nl = text->size();
    std::string_view l(text->data() + at, nl - at);
    at = nl + 1;
    if (l.empty() || l.starts_with('#')) continue;
    const auto colon = l.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == l.size())
      return fail(ErrorKind::kInvalid,
                  fmt::format("{}:{}: expected NAME:HASH; mend or remove the line, or write the "
                              "file again with `orderctl user add`",
                              file.string(), line));
    users.push_back({std::string(l.substr(0, colon)), std::string(l.substr(colon + 1))});
  }
  return users;
}

std::optional<std::string> check_user_name(std::string_view name) {
  if (name.empty() || name.size() > 64)
    return "a user's name is 1 to 64 characters: letters, digits, '.', '_', '-' and '@'";
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' ||
          c == '@'))
      return fmt::format("'{}': a user's name holds only letters, digits, '.', '_', '-' and '@'",
                         name);
  return std::nullopt;
}

std::optional<std::string> check_password(std::string_view password) {
  if (password.size() < 10) return "a password needs at least 10 characters";
  if (password.find('\n') != std::string_view::npos) return "a password is one line";
  return std::nullopt;
}

Result<std::string> hash_password(std::string_view password) {
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  if (!crypt_gensalt_rn("$y$", 0, nullptr, 0, salt, sizeof salt))
    return fail(ErrorKind::kIo, "cannot make a salt (libxcrypt's crypt_gensalt_rn failed)");
  auto data = std::make_unique<crypt_data>();
  const std::string pw(password);
  const char* h = crypt_r(pw.c_str(), salt, data.get());
  if (!h || h[0] == '*') return fail(ErrorKind::kIo, "crypt_r could not hash the password");
  return std::string(h);
}

bool password_matches(std::string_view password, const std::string& hash) {
  auto data = std::make_unique<crypt_data>();
  const std::string pw(password);
  const char* h = crypt_r(pw.c_str(), hash.c_str(), data.get());
  if (!h || h[0] == '*') return false;
  const std::string_view got(h);
  return got.size() == hash.size() && CRYPTO_memcmp(got.data(), hash.data(), hash.size()) == 0;
}

namespace {

Status write_users(const std::filesystem::path& file, const std::vector<ConsoleUser>& users) {
  std::string text = "# orderd console users: NAME:HASH (yescrypt); manage with `orderctl user`\n";
  for (const auto& u : users) text += fmt::format("{}:{}\n", u.name, u.hash);
  if (file.has_parent_path())
    if (auto s = ensure_dir(file.parent_path()); !s) return s;
  const mode_t old = ::umask(077);  // the temporary file too is the owner's only
  auto s = write_file_atomic(file, text);
  ::umask(old);
  return s;
}

Status change(const std::filesystem::path& file, std::string_view name, bool must_exist,
              const std::function<void(std::vector<ConsoleUser>&, std::size_t)>& edit) {
  if (auto why = check_user_name(name)) return fail(ErrorKind::kInvalid, *why);
  auto users = read_users(file);
  if (!users) return std::unexpected(users.error());
  std::size_t i = 0;
  while (i < users->size() && (*users)[i].name != name) ++i;
  const bool exists = i < users->size();
  if (exists != must_exist)
    return fail(
        ErrorKind::kRefused,
        exists ? fmt::format("user {} exists in {} (orderctl user passwd {} to change the "
                             "password)",
                             name, file.string(), name)
               : fmt::format("no user {} in {} (orderctl user add {})", name, file.string(), name));
  edit(*users, i);
  return write_users(file, *users);
}

}  // namespace

Status add_user(const std::filesystem::path& file, std::string_view name,
                std::string_view password) {
  if (auto why = check_password(password)) return fail(ErrorKind::kInvalid, *why);
  auto hash = hash_password(password);
  if (!hash) return std::unexpected(hash.error());
  return change(file, name, false, [&](std::vector<ConsoleUser>& users, std::size_t) {
    users.push_back({std::string(name), *hash});
  });
}

Status set_password(const std::filesystem::path& file, std::string_view name,
                    std::string_view password) {
  if (auto why = check_password(password)) return fail(ErrorKind::kInvalid, *why);
  auto hash = hash_password(password);
  if (!hash) return std::unexpected(hash.error());
  return change(file, name, true,
                [&](std::vector<ConsoleUser>& users, std::size_t i) { users[i].hash = *hash; });
}

Status remove_user(const std::filesystem::path& file, std::string_view name) {
  return change(file, name, true, [](std::vector<ConsoleUser>& users, std::size_t i) {
    users.erase(users.begin() + static_cast<std::ptrdiff_t>(i));
  });
}

}  // namespace orderd
