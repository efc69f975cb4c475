"""Config parsing: the sample config is valid; misspelled keys and bad values are explained."""

from pathlib import Path

import pytest
import yaml

from audit.config import load_config, parse_config
from audit.errors import ConfigError

SAMPLE = Path(__file__).parents[2] / "sample_models" / "census_income" / "audit.yaml"


def test_sample_config_loads():
    cfg = load_config(SAMPLE)
    assert cfg.data.sensitive_features == ["sex", "race", "age"]
    assert cfg.training.epochs == 10 and cfg.model.hidden_sizes == [128, 64]


def test_misspelled_key_names_it_and_suggests():
    data = yaml.safe_load(SAMPLE.read_text())
    data["training"]["epocs"] = data["training"].pop("epochs")
    with pytest.raises(ConfigError, match=r"'training.epocs'.*unknown key 'epocs'.*Did you mean 'epochs'\?"):
        parse_config(data)


def test_misspelled_top_level_key():
    with pytest.raises(ConfigError, match="Did you mean 'training'"):
        parse_config({"trainin": {}})


def test_wrong_type_and_range_reported_together():
    with pytest.raises(ConfigError) as info:
        parse_config({"training": {"epochs": "many", "batch_size": 0}})
    assert len(info.value.problems) == 2
    assert "training.epochs" in str(info.value) and "training.batch_size" in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "none.yaml")


def test_invalid_yaml(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("training: [unclosed\n")
    with pytest.raises(ConfigError, match=r"valid YAML.*at line 2, column 1"):
        load_config(bad)


def test_not_a_mapping(tmp_path):
    bad = tmp_path / "list.yaml"
    bad.write_text("- 1\n- 2\n")
    with pytest.raises(ConfigError, match="YAML mapping"):
        load_config(bad)


def test_relative_data_paths_resolve_against_config_folder(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("data: {loader: csv, train_path: a.csv, test_path: /abs/b.csv}\n")
    cfg = load_config(path)
    assert cfg.data.train_path == tmp_path / "a.csv"
    assert str(cfg.data.test_path) == "/abs/b.csv"
