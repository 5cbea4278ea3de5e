#!/usr/bin/env python3
"""Validates an exported Sigma pack with pySigma: every document must parse as a Sigma v2 rule or correlation
rule without errors, and convert with the Splunk backend and with the Elasticsearch backend (Lucene for plain
rules; ES|QL for event_count / value_count correlations; EQL for temporal_ordered ones, where Lucene has none).

usage: validate_sigma.py <file.yml | directory>   — prints one JSON report on stdout; exit 1 on any failure.
"""
import json
import sys
from pathlib import Path

from sigma.backends.elasticsearch import EqlBackend, ESQLBackend, LuceneBackend
from sigma.backends.splunk import SplunkBackend
from sigma.collection import SigmaCollection
from sigma.correlations import SigmaCorrelationRule
from sigma.rule import SigmaRule


def load(path: Path) -> SigmaCollection:
    files = sorted(path.glob('*.yml')) + sorted(path.glob('*.yaml')) if path.is_dir() else [path]
    text = '\n---\n'.join(f.read_text(encoding='utf-8') for f in files)
    return SigmaCollection.from_yaml(text, collect_errors=True)


def standalone(rule):
    """A fresh copy of a rule, detached from the collection (so a correlation's base rule is output too)."""
    cls = SigmaCorrelationRule if isinstance(rule, SigmaCorrelationRule) else SigmaRule
    return cls.from_dict(rule.to_dict())


def convert(backend, rule, bases):
    if isinstance(rule, SigmaCorrelationRule):
        sub = SigmaCollection([standalone(b) for b in bases] + [standalone(rule)])
        sub.resolve_rule_references()
        return backend.convert(sub)
    return backend.convert(SigmaCollection([standalone(rule)]))


def as_temporal(rule):
    """pySigma's Splunk backend implements `temporal` but not `temporal_ordered`: give it the unordered form."""
    data = rule.to_dict()
    data['correlation']['type'] = 'temporal'
    return SigmaCorrelationRule.from_dict(data)


def main() -> int:
    collection = load(Path(sys.argv[1]))
    by_name = {getattr(r, 'name', None): r for r in collection.rules}
    report = {'rules': 0, 'correlations': 0, 'failures': [], 'notes': [], 'conversions': {}}
    splunk = SplunkBackend()
    lucene, esql, eql = LuceneBackend(), ESQLBackend(), EqlBackend()
    for rule in collection.rules:
        name = getattr(rule, 'name', None) or str(rule.id)
        errors = [str(e) for e in getattr(rule, 'errors', [])]
        if errors:
            report['failures'].append({'rule': name, 'stage': 'parse', 'errors': errors})
            continue
        outputs = {}
        try:
            if isinstance(rule, SigmaCorrelationRule):
                report['correlations'] += 1
                bases = [by_name[str(ref.reference)] for ref in rule.rules]
                ordered = rule.type.name.lower() == 'temporal_ordered'
                es_backend = eql if ordered else esql
                outputs['elasticsearch'] = convert(es_backend, rule, bases)
                if ordered:
                    report['notes'].append(f'{name}: converted for Splunk as temporal (its backend has no temporal_ordered)')
                    outputs['splunk'] = convert(splunk, as_temporal(rule), bases)
                else:
                    outputs['splunk'] = convert(splunk, rule, bases)
            else:
                report['rules'] += 1
                outputs['splunk'] = convert(splunk, rule, [])
                outputs['elasticsearch'] = convert(lucene, rule, [])
        except Exception as error:  # noqa: BLE001 - every failure goes into the report
            report['failures'].append({'rule': name, 'stage': 'convert', 'errors': [f'{type(error).__name__}: {error}']})
            continue
        for backend, queries in outputs.items():
            if not queries or not all(isinstance(q, str) and q.strip() for q in queries):
                report['failures'].append({'rule': name, 'stage': 'convert', 'errors': [f'{backend} produced no query']})
        report['conversions'][name] = outputs
    print(json.dumps(report, indent=1, default=str))
    return 1 if report['failures'] or report['rules'] == 0 else 0


if __name__ == '__main__':
    sys.exit(main())
