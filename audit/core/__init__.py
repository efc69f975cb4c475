"""The ground floor: what every audit shares, importing no audit package above it.

- the audit contract (:class:`Audit`, :class:`AuditContext`) and its registry
  (:func:`register_audit`, :func:`registered_audits`, ...);
- statistics: Wilson and Clopper-Pearson intervals of proportions, the multinomial bootstrap of
  cell counts and percentile intervals, Benjamini-Hochberg adjusted p-values;
- the count engine: confusion-matrix metrics and disparities from counts per (group, y_true,
  y_pred) cell (:class:`GroupCounts`, mergeable across chunks), and the validation and group
  encoding of labels, scores and sensitive features it reads;
- the strict config base (:class:`StrictConfig`) and config errors a person can act on.

Only numpy, scipy, pandas and pydantic are used here (no torch), and names load lazily. The
import-graph test (``tests/unit/test_layering.py``) keeps this package free of imports from above.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from audit._lazy import lazy_names
from audit.core._config import NanPolicy, StrictConfig, config_problems, yaml_error_text
from audit.core._contract import MODALITIES, Audit, AuditContext, Modality, Phase
from audit.core._registry import (
    BUILTIN_AUDIT_PACKAGES,
    get_audit,
    load_builtin_audits,
    register_audit,
    registered_audits,
    registry_version,
    run_order,
    unregister_audit,
)
from audit.core._versions import library_versions

#: Public name -> private module, loaded on first use so that config models (which derive from
#: :class:`StrictConfig`) do not import scipy and pandas.
_LAZY = {
    "bootstrap_counts": "_bootstrap", "quantile_interval": "_bootstrap",
    "paired_difference_interval": "_bootstrap",
    "COUNT_METRICS": "_counts", "DISPARITIES": "_counts", "UNDEFINED_REASONS": "_counts",
    "CountMetric": "_counts", "DisparityName": "_counts", "Extremes": "_counts",
    "GroupCounts": "_counts", "disparities_from_metrics": "_counts", "extremes": "_counts",
    "metrics_from_counts": "_counts", "proportion_parts": "_counts", "safe_divide": "_counts",
    "wilson_from_counts": "_counts",
    "FIX_MISSING_VALUES": "_groups", "MISSING_GROUP": "_groups", "EncodedGroups": "_groups", "binary_array": "_groups",
    "check_lengths": "_groups", "encode_groups": "_groups", "group_name": "_groups",
    "label_sort_key": "_groups", "partition_name": "_groups", "probability_array": "_groups",
    "sensitive_frame": "_groups",
    "clopper_pearson": "_intervals", "wilson_bounds": "_intervals",
    "bh_qvalues": "_multiple",
    "max_one_run_bound": "_one_run", "one_run_default_k": "_one_run", "one_run_epsilon_lower_bound": "_one_run",
    "one_run_p_value": "_one_run", "preregistered_guesses": "_one_run",
}

if TYPE_CHECKING:  # pragma: no cover
    from audit.core._bootstrap import bootstrap_counts, paired_difference_interval, quantile_interval
    from audit.core._counts import (
        COUNT_METRICS,
        DISPARITIES,
        UNDEFINED_REASONS,
        CountMetric,
        DisparityName,
        Extremes,
        GroupCounts,
        disparities_from_metrics,
        extremes,
        metrics_from_counts,
        proportion_parts,
        safe_divide,
        wilson_from_counts,
    )
    from audit.core._groups import (
        FIX_MISSING_VALUES,
        MISSING_GROUP,
        EncodedGroups,
        binary_array,
        check_lengths,
        encode_groups,
        group_name,
        label_sort_key,
        partition_name,
        probability_array,
        sensitive_frame,
    )
    from audit.core._intervals import clopper_pearson, wilson_bounds
    from audit.core._multiple import bh_qvalues
    from audit.core._one_run import (
        max_one_run_bound,
        one_run_default_k,
        one_run_epsilon_lower_bound,
        one_run_p_value,
        preregistered_guesses,
    )


__all__ = [
    "BUILTIN_AUDIT_PACKAGES",
    "COUNT_METRICS",
    "DISPARITIES",
    "FIX_MISSING_VALUES",
    "MISSING_GROUP",
    "MODALITIES",
    "UNDEFINED_REASONS",
    "Audit",
    "AuditContext",
    "CountMetric",
    "DisparityName",
    "EncodedGroups",
    "Extremes",
    "GroupCounts",
    "Modality",
    "NanPolicy",
    "Phase",
    "StrictConfig",
    "bh_qvalues",
    "binary_array",
    "bootstrap_counts",
    "check_lengths",
    "clopper_pearson",
    "config_problems",
    "disparities_from_metrics",
    "encode_groups",
    "extremes",
    "get_audit",
    "group_name",
    "label_sort_key",
    "library_versions",
    "load_builtin_audits",
    "max_one_run_bound",
    "metrics_from_counts",
    "one_run_default_k",
    "one_run_epsilon_lower_bound",
    "one_run_p_value",
    "paired_difference_interval",
    "partition_name",
    "preregistered_guesses",
    "probability_array",
    "proportion_parts",
    "quantile_interval",
    "register_audit",
    "registered_audits",
    "registry_version",
    "run_order",
    "safe_divide",
    "sensitive_frame",
    "unregister_audit",
    "wilson_bounds",
    "wilson_from_counts",
    "yaml_error_text",
]

__getattr__, __dir__ = lazy_names(__name__, _LAZY, __all__)
