import {
  installTestNetwork,
  resetTestNetwork,
  testNetwork,
  uninstallTestNetwork,
} from './__testUtils__/testNetwork';

// Every test file of this package runs on a loopback-only network.
installTestNetwork();

function failOnViolations() {
  const violations = testNetwork.takeViolations();
  if (violations.length > 0) {
    throw new Error(violations.join('\n'));
  }
}

afterEach(() => {
  resetTestNetwork();
  failOnViolations();
});

afterAll(() => {
  uninstallTestNetwork();
  // Connections attempted after the last test still fail the file.
  failOnViolations();
});
