"""The official indicators as data: what the rules judge with and scoring weighs.

Indicator systems (``systems/*.yaml``, read by :mod:`indicators.system`), their thresholds
(:mod:`indicators.thresholds`) and durations (:mod:`indicators.durations`), the rule
catalogue indicator files may name (:mod:`indicators.rules_catalogue`) and the working-day
calendar reply deadlines count in (:mod:`indicators.workdays`).
"""
