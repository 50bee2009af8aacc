// The spool on its own: where each move puts a file, what is left alone,
// and what a run finds after an interrupted one.
#include "spool/spool.h"

#include <doctest/doctest.h>

#include "test_util.h"
#include "util/fs.h"

using namespace orderd;
using orderd::test::TempDir;
namespace fs = std::filesystem;

namespace {

constexpr std::int64_t kDay = 1764633600;  // 2025-12-02 00:00:00 UTC

void drop(const fs::path& dir, const std::string& name, const std::string& text) {
  REQUIRE(ensure_dir(dir));
  REQUIRE(write_file_atomic(dir / name, text));
}

std::vector<std::string> names(const std::vector<fs::path>& files) {
  std::vector<std::string> out;
  for (const auto& f : files) out.push_back(f.filename().string());
  return out;
}

}  // namespace

TEST_CASE("spool: claim takes complete files, leftovers of an interrupted run first") {
  TempDir dir;
  Spool spool(dir.path());
  REQUIRE(spool.prepare("orders", "shop"));
  CHECK(fs::is_directory(spool.inbound("orders", "shop")));
  CHECK(spool.claim("orders", "shop").files.empty());

  drop(spool.inbound("orders", "shop"), "b.csv", "B");
  drop(spool.inbound("orders", "shop"), "a.csv", "A");
  // Still being written (docs/spool.md): left alone.
  drop(spool.inbound("orders", "shop"), "c.csv.part", "C");
  drop(spool.inbound("orders", "shop"), "d.csv.tmp", "D");
  drop(spool.inbound("orders", "shop"), ".e.csv", "E");
  // Left in claimed/ by a run that was killed.
  drop(dir.path() / "claimed/orders/shop", "z.csv", "Z");

  auto c = spool.claim("orders", "shop");
  CHECK(c.problems.empty());
  CHECK(names(c.files) == std::vector<std::string>{"z.csv", "a.csv", "b.csv"});
  for (const auto& f : c.files) {
    CHECK(f.parent_path() == dir.path() / "claimed/orders/shop");
    CHECK(fs::exists(f));
  }
  CHECK(*read_file(c.files[1]) == "A");
  CHECK(!fs::exists(spool.inbound("orders", "shop") / "a.csv"));
  CHECK(fs::exists(spool.inbound("orders", "shop") / "c.csv.part"));
  CHECK(fs::exists(spool.inbound("orders", "shop") / "d.csv.tmp"));
  CHECK(fs::exists(spool.inbound("orders", "shop") / ".e.csv"));
  // Another source's files are not touched.
  drop(spool.inbound("tracking", "acme"), "t.csv", "T");
  CHECK(spool.claim("orders", "shop").files.size() == 3);  // the same three, still claimed
  CHECK(fs::exists(spool.inbound("tracking", "acme") / "t.csv"));
}

TEST_CASE("spool: unfinished reads of a claimed file are counted until one finishes") {
  TempDir dir;
  Spool spool(dir.path());
  drop(spool.inbound("orders", "shop"), "a.csv", "A");
  auto taken = spool.claim("orders", "shop");
  REQUIRE(taken.files.size() == 1);
  const auto a = taken.files[0];
  CHECK(spool.begin_read(a).count == 1);
  CHECK(spool.begin_read(a).count == 2);  // the one before never finished
  CHECK(spool.begin_read(a).count == 3);
  // The count is not a file to read.
  CHECK(names(spool.claim("orders", "shop").files) == std::vector<std::string>{"a.csv"});
  spool.end_read(a);
  CHECK(spool.begin_read(a).count == 1);
  // A count left behind by an earlier file of the same name is not a new
  // file's: claiming it starts afresh.
  REQUIRE(spool.archive(a, "orders", "shop", 1, kDay));
  drop(spool.inbound("orders", "shop"), "a.csv", "A again");
  taken = spool.claim("orders", "shop");
  REQUIRE(taken.files.size() == 1);
  CHECK(spool.begin_read(taken.files[0]).count == 1);
  // Counts whose file is gone, and a count's torn temporary file, are
  // cleared at the next claim; a count beside its file is kept.
  const auto claimed = a.parent_path();
  REQUIRE(write_file_atomic(claimed / ".gone.csv.reading", "2"));
  REQUIRE(write_file_atomic(claimed / "..gone.csv.reading.4242-0.tmp", "3"));
  spool.claim("orders", "shop");
  CHECK_FALSE(fs::exists(claimed / ".gone.csv.reading"));
  CHECK_FALSE(fs::exists(claimed / "..gone.csv.reading.4242-0.tmp"));
  CHECK(fs::exists(claimed / ".a.csv.reading"));
}

TEST_CASE("spool: archive, quarantine with its reason, and a fixed copy retiring the quarantined") {
  TempDir dir;
  Spool spool(dir.path());
  CHECK_FALSE(spool.has_history());
  drop(spool.inbound("orders", "shop"), "x.csv", "bad");
  auto c = spool.claim("orders", "shop");
  REQUIRE(c.files.size() == 1);
  auto q = spool.quarantine(c.files[0], "orders", "shop", "line 3: quantity 'two' is not a number");
  REQUIRE(q);
  CHECK(q->path == dir.path() / "quarantine/orders/shop/x.csv");
  CHECK(*read_file(q->path) == "bad");
  const auto why = read_file(q->path.string() + ".error");
  REQUIRE(why);
  CHECK(why->starts_with("line 3: quantity 'two' is not a number\n"));
  CHECK(why->find(spool.inbound("orders", "shop").string()) != std::string::npos);  // what to do
  CHECK(!fs::exists(c.files[0]));
  CHECK_FALSE(spool.has_history());

  // The fixed copy comes in and is read: archived, and the quarantined one
  // with its note beside it.
  drop(spool.inbound("orders", "shop"), "x.csv", "good");
  c = spool.claim("orders", "shop");
  REQUIRE(c.files.size() == 1);
  auto a = spool.archive(c.files[0], "orders", "shop", 42, kDay + 3600);
  REQUIRE(a);
  CHECK(a->path == dir.path() / "archive/orders/shop/2025-12-02/42-x.csv");
  CHECK(*read_file(a->path) == "good");
  CHECK(spool.has_history());
  auto r = spool.retire_quarantined("orders", "shop", "x.csv", 42, kDay + 3600);
  REQUIRE(r);
  REQUIRE(*r);
  CHECK((*r)->path == dir.path() / "archive/orders/shop/2025-12-02/42-x.csv.quarantined");
  CHECK(*read_file((*r)->path) == "bad");
  CHECK(fs::exists((*r)->path.string() + ".error"));
  CHECK(!fs::exists(q->path));
  CHECK(!fs::exists(q->path.string() + ".error"));
  // Nothing quarantined under that name: nothing to do.
  auto none = spool.retire_quarantined("orders", "shop", "y.csv", 43, kDay);
  REQUIRE(none);
  CHECK_FALSE(*none);

  // The same name archived twice on one day (a re-sent export with the same
  // id would be refused earlier; ids differ, names never collide).
  drop(spool.inbound("orders", "shop"), "x.csv", "again");
  c = spool.claim("orders", "shop");
  auto b = spool.archive(c.files[0], "orders", "shop", 43, kDay + 7200);
  REQUIRE(b);
  CHECK(b->path.filename() == "43-x.csv");
  CHECK(*read_file(a->path) == "good");
}

TEST_CASE("spool: the outbound archive and the state mark") {
  TempDir dir;
  Spool spool(dir.path());
  CHECK_FALSE(spool.delivered_copy("acme", "PO000001.csv"));
  REQUIRE(spool.keep_delivered("acme", "PO000001.csv", "po bytes"));
  REQUIRE(spool.sync_delivered());
  CHECK(spool.delivered_copy("acme", "PO000001.csv") == std::optional<std::string>("po bytes"));
  CHECK_FALSE(spool.delivered_copy("globex", "PO000001.csv"));
  CHECK(spool.has_history());

  auto none = spool.read_mark();
  REQUIRE(none);
  CHECK_FALSE(*none);
  REQUIRE(spool.write_mark("instance abc\npo 7\n"));
  CHECK(spool.mark_path() == dir.path() / "state.mark");
  auto mark = spool.read_mark();
  REQUIRE(mark);
  CHECK(*mark == std::optional<std::string>("instance abc\npo 7\n"));
  REQUIRE(spool.write_mark("instance abc\npo 9\n"));  // replaced whole
  CHECK(**spool.read_mark() == "instance abc\npo 9\n");
}
