#!/usr/bin/env python3
"""Prints each failed test of the given .trx files with the start of its message and stack, so that the end of a long
test log (all CI keeps) names what failed and why."""
import sys
import xml.etree.ElementTree as ET

NS = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}

for path in sys.argv[1:]:
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as error:
        print(f"{path}: unreadable ({error})")
        continue
    for result in root.iterfind(".//t:UnitTestResult[@outcome='Failed']", NS):
        print(f"FAILED {result.get('testName')} ({result.get('duration')}) in {path}")
        for tag in ("Message", "StackTrace"):
            text = result.findtext(f"t:Output/t:ErrorInfo/t:{tag}", default="", namespaces=NS).strip()
            for line in text.splitlines()[:25 if tag == "Message" else 12]:
                print(f"    {line}")
