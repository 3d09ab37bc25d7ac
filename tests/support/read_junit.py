"""Reads a JUnit XML report the way a CI system does, with junitparser (Debian's
python3-junitparser), and prints what it read, one fact a line, for a C test to
assert on:

    testsuites tests=N failures=N errors=N skipped=N time=T sums=ok|MISMATCH
    suite NAME tests=N failures=N errors=N skipped=N time=T sums=ok|MISMATCH
    case SUITE | FILE | NAME | classname=C | time=T | passed|failure TYPE|error TYPE
    message FILE | MESSAGE
    property FILE | NAME=VALUE

"sums" says whether the counts and the time an element declares are the sums
of what its children hold, as readers that trust the attributes assume. A
case's time is "missing" when it has none. A report junitparser cannot read
makes this exit 1 with its error.

    /usr/bin/python3 tests/support/read_junit.py REPORT
"""
import sys

from junitparser import Error, Failure, JUnitXml, Properties, Skipped

TIME_SLACK = 2e-6  # the writer sums whole microseconds; floats add up near that


def case_outcome(case):
    """passed, or the kind of the first result element and its type."""
    for result in case.result:
        if isinstance(result, Failure):
            return "failure " + str(result.type), result.message
        if isinstance(result, Error):
            return "error " + str(result.type), result.message
        if isinstance(result, Skipped):
            return "skipped", result.message
    return "passed", None


def print_case(suite, case):
    file = case._elem.get("file", "missing")
    time = case._elem.get("time")
    kind, message = case_outcome(case)
    print("case %s | %s | %s | classname=%s | time=%s | %s"
          % (suite.name, file, case.name, case.classname,
             "%.6f" % float(time) if time is not None else "missing", kind))
    if message is not None:
        print("message %s | %s" % (file, message))
    properties = case.child(Properties)
    for prop in properties if properties is not None else []:
        print("property %s | %s=%s" % (file, prop.name, prop.value))
    return kind


def declared(element, counted, time_sum):
    """The element's declared counts and time, checked against the counted ones."""
    sums = "ok"
    for key in ("tests", "failures", "errors", "skipped"):
        if int(element._elem.get(key, "-1")) != counted[key]:
            sums = "MISMATCH " + key
    time = element._elem.get("time")
    if time is None or abs(float(time) - time_sum) > TIME_SLACK * max(1, counted["tests"]):
        sums = "MISMATCH time"
    return ("tests=%s failures=%s errors=%s skipped=%s time=%s sums=%s"
            % (element._elem.get("tests"), element._elem.get("failures"),
               element._elem.get("errors"), element._elem.get("skipped"), time, sums))


def add_kind(counted, kind):
    counted["tests"] += 1
    for prefix, key in (("failure", "failures"), ("error", "errors"), ("skipped", "skipped")):
        if kind.startswith(prefix):
            counted[key] += 1


def main():
    report = JUnitXml.fromfile(sys.argv[1])
    if report._elem.tag != "testsuites":
        sys.exit("the root element is <%s>, not <testsuites>" % report._elem.tag)
    total = dict(tests=0, failures=0, errors=0, skipped=0)
    total_time = 0.0
    lines = []
    for suite in report:
        counted = dict(tests=0, failures=0, errors=0, skipped=0)
        suite_time = 0.0
        for case in suite:
            add_kind(counted, print_case(suite, case))
            suite_time += float(case._elem.get("time", "nan"))
        lines.append("suite %s %s" % (suite.name, declared(suite, counted, suite_time)))
        for key in total:
            total[key] += counted[key]
        total_time += float(suite._elem.get("time", "nan"))
    for line in lines:
        print(line)
    print("testsuites " + declared(report, total, total_time))


if __name__ == "__main__":
    main()
