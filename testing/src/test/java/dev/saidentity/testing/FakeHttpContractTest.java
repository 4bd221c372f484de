package dev.saidentity.testing;

/** The API contract against the fake over plain HTTP. */
class FakeHttpContractTest extends ApiContract {
  @Override
  Target target() {
    return fake(false);
  }
}
