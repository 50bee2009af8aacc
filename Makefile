# The two commands a new user needs: `make demo` and `make test`.
# Both install missing Debian packages (apt-get), configure and build.
BUILD ?= build
CMAKE_FLAGS ?=
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

DEB_PACKAGES := g++ cmake ninja-build pkg-config python3 \
  libsqlite3-dev libyaml-cpp-dev libpugixml-dev libfmt-dev libcli11-dev \
  nlohmann-json3-dev doctest-dev libssl-dev libssh2-1-dev libcurl4-openssl-dev libsystemd-dev \
  libmicrohttpd-dev libkainjow-mustache-dev openssl \
  systemd openssh-server openssh-client python3-pyftpdlib python3-openssl python3-aiosmtpd \
  dovecot-imapd dpkg-dev

.PHONY: all deps console-deps build demo test bench soak asan fuzz package clean

all: build

deps:
	@missing=$$(for p in $(DEB_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing: $$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

# The console's browser tests (tests/console): Debian's chromium, node and
# npm (kept if another node is installed), and playwright-core from the
# lockfile.
console-deps: deps
	@dpkg-query -W -f='$${Status}' chromium 2>/dev/null | grep -q 'install ok installed' || \
	  (DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium)
	@command -v node >/dev/null && command -v npm >/dev/null || \
	  (DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nodejs npm)
	@[ -f tests/console/node_modules/playwright-core/package.json ] || \
	  (cd tests/console && npm ci --no-audit --no-fund --silent)

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS)

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD)

demo: build
	examples/demo/run.sh $(BUILD)/bin

test: build console-deps
	cd $(BUILD) && ctest --output-on-failure -j2

bench: build
	$(BUILD)/bin/orderd_bench
	$(BUILD)/bin/orderd_bench --scale
	$(BUILD)/bin/orderd_bench_x12
	$(BUILD)/bin/orderd_bench_sftp
	bench/bench_service.sh $(BUILD)/bin

# Ten minutes of the service under continuous work, SIGKILLs included
# (bench/soak.py; SOAK_SECONDS to change). Not part of CI.
soak: build
	python3 bench/soak.py $(BUILD)/bin

fuzz: deps
	@dpkg-query -W -f='$${Status}' afl++ 2>/dev/null | grep -q 'install ok installed' || \
	  (DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq afl++)
	FUZZ_SECONDS=$(or $(FUZZ_SECONDS),60) fuzz/run.sh

# The .deb (build/orderd_VERSION_ARCH.deb): `sudo apt install ./build/orderd_*.deb`.
package: build
	cd $(BUILD) && cpack -G DEB

asan:
	$(MAKE) test BUILD=build-asan CMAKE_FLAGS="-DORDERD_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug"

clean:
	rm -rf $(BUILD) build-asan build-fuzz examples/demo/run
