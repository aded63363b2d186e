// Boost.Test entry point for bulwark-unit-tests.
#define BOOST_TEST_MODULE bulwark unit tests
#include <boost/test/unit_test.hpp>
