#include <doctest/doctest.h>

#include "mappers/mappers.h"

using namespace orderd;

namespace {

// One 856 whose item carries a UPC and a vendor part number.
const char* k856 =
    "ISA*00*          *00*          *ZZ*SUPPLIER       *ZZ*MYSHOP         "
    "*261126*1300*U*00401*000000001*0*P*>~\n"
    "GS*SH*SUPPLIER*MYSHOP*20261126*1300*1*X*004010~\n"
    "ST*856*0001~\nBSN*00*S1*20261126*1300~\nHL*1**S~\nTD5**2*UPSN~\nREF*CN*1Z999~\n"
    "HL*2*1*O~\nPRF*PO000001~\nHL*3*2*I~\nLIN*1*UP*012345678905*VP*ACME-1~\nSN1**2*EA~\n"
    "SE*11*0001~\nGE*1*1~\nIEA*1*000000001~\n";

}  // namespace

TEST_CASE("x12 tracking: the LIN qualifier preference picks the id matched with the SKU") {
  const TrackingFormat* f = find_tracking_format("x12");
  REQUIRE(f);
  TrackingConfig cfg;
  auto batch = f->read(cfg, k856);
  REQUIRE(batch);
  REQUIRE(batch->rows.size() == 1);
  CHECK(batch->rows[0].sku == "ACME-1");  // default: SK, then VP
  CHECK(batch->rows[0].po_number == "PO000001");
  CHECK(batch->rows[0].tracking_number == "1Z999");
  CHECK(batch->rows[0].quantity == 2);
  cfg.item_qualifiers = {"UP"};
  batch = f->read(cfg, k856);
  REQUIRE(batch);
  CHECK(batch->rows[0].sku == "012345678905");
  cfg.item_qualifiers = {"BP"};  // none present: the first id
  batch = f->read(cfg, k856);
  REQUIRE(batch);
  CHECK(batch->rows[0].sku == "012345678905");
}
