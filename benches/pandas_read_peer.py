"""The pandas peer of Portdesk's forecast import: `pandas.read_excel` reading every sheet of the
same .xlsx into data frames (no validation), as an analyst's script would. Prints the seconds
it took."""
import sys
import time

import pandas


def main(path):
    start = time.perf_counter()
    frames = pandas.read_excel(path, sheet_name=None)
    elapsed = time.perf_counter() - start
    print(elapsed)
    print(sum(f.size for f in frames.values()), file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1])
