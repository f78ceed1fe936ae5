"""Annotation builders: GQA and Visual Genome scene graphs, CLEVR scenes, ChartQA tables, DocVQA OCR."""

import json

from conftest import save_image

from data_builders.build import estimate_tokens
from dopd_vl.cli import main
from dopd_vl.records import load_records, privileged_block, render_messages


def build(*args):
    return main(["build-data", "--task", "annotations", *map(str, args)])


def test_gqa_scene_graph(tmp_path):
    save_image(tmp_path / "images" / "2354786.jpg", (500, 400))
    questions = {"02930152": {"imageId": "2354786", "question": "Is the sky dark?", "answer": "yes",
                              "fullAnswer": "Yes, the sky is dark.", "isBalanced": True}}
    graphs = {"2354786": {"width": 500, "height": 400, "objects": {
        "2873": {"name": "sky", "x": 0, "y": 0, "w": 500, "h": 100, "attributes": ["dark", "cloudy"],
                 "relations": [{"name": "above", "object": "2874"}]},
        "2874": {"name": "tree", "x": 250, "y": 100, "w": 100, "h": 200, "attributes": [],
                 "relations": [{"name": "below", "object": "2873"}]}}}}
    (tmp_path / "val_balanced_questions.json").write_text(json.dumps(questions))
    (tmp_path / "val_sceneGraphs.json").write_text(json.dumps(graphs))
    assert build("--source", tmp_path / "val_balanced_questions.json", "--annotations",
                 tmp_path / "val_sceneGraphs.json", "--images", tmp_path / "images", "--out", tmp_path / "o") == 0
    (record,) = load_records(tmp_path / "o")
    assert record.id == "gqa-02930152" and record.answer == "yes" and record.question == "Is the sky dark?"
    text = render_messages(record, "privileged")[0]["content"][-1]["text"]
    assert '{"bbox_2d": [0, 0, 1000, 250], "label": "#1 dark cloudy sky"}' in text
    assert '{"bbox_2d": [500, 250, 700, 750], "label": "#2 tree"}' in text
    assert "relations:\n- #1 sky above #2 tree\n- #2 tree below #1 sky" in text
    assert json.loads((tmp_path / "o" / "manifest.json").read_text())["source"]["format"] == "gqa"


def test_visual_genome(tmp_path):
    save_image(tmp_path / "VG_100K" / "1.jpg", (800, 600))
    qas = [{"id": 1, "qas": [{"qa_id": 986768, "image_id": 1, "question": "What color is the clock?",
                              "answer": "Green.", "a_objects": [], "q_objects": []}]}]
    graphs = [{"image_id": 1, "objects": [
        {"object_id": 5, "x": 421, "y": 91, "w": 79, "h": 339, "names": ["clock"], "attributes": ["green"]},
        {"object_id": 6, "x": 0, "y": 300, "w": 800, "h": 300, "names": ["street"]}],
        "relationships": [{"relationship_id": 9, "predicate": "ON", "subject_id": 5, "object_id": 6}]}]
    (tmp_path / "question_answers.json").write_text(json.dumps(qas))
    (tmp_path / "scene_graphs.json").write_text(json.dumps(graphs))
    assert build("--source", tmp_path / "question_answers.json", "--images", tmp_path / "VG_100K", "--out",
                 tmp_path / "o") == 0
    (record,) = load_records(tmp_path / "o")
    assert record.id == "vg-986768" and record.answer == "Green."
    assert [b.label for b in record.privileged.boxes] == ["#1 street", "#2 green clock"]
    assert record.privileged.annotations == {"relations": ["#2 clock on #1 street"]}


def test_clevr_scene(tmp_path):
    root = tmp_path / "CLEVR_v1.0"
    save_image(root / "images" / "val" / "CLEVR_val_000000.png", (480, 320))
    (root / "questions").mkdir()
    (root / "scenes").mkdir()
    questions = {"info": {"split": "val"}, "questions": [
        {"image_index": 0, "image_filename": "CLEVR_val_000000.png", "split": "val", "question_index": 7,
         "question": "How many large cubes are there?", "answer": "1", "program": []}]}
    scenes = {"info": {"split": "val"}, "scenes": [{
        "image_index": 0, "image_filename": "CLEVR_val_000000.png", "split": "val", "directions": {},
        "objects": [{"size": "large", "color": "red", "material": "metal", "shape": "cube",
                     "pixel_coords": [240, 160, 10.5], "3d_coords": [0, 0, 0], "rotation": 0},
                    {"size": "small", "color": "gray", "material": "rubber", "shape": "sphere",
                     "pixel_coords": [48, 32, 12.0], "3d_coords": [1, 1, 0], "rotation": 0}],
        "relationships": {"left": [[1], []], "right": [[], [0]], "front": [[], [0]], "behind": [[1], []]}}]}
    (root / "questions" / "CLEVR_val_questions.json").write_text(json.dumps(questions))
    (root / "scenes" / "CLEVR_val_scenes.json").write_text(json.dumps(scenes))
    assert build("--source", root / "questions" / "CLEVR_val_questions.json", "--out", tmp_path / "o") == 0
    (record,) = load_records(tmp_path / "o")
    assert record.id == "clevr-val-7" and record.answer == "1"
    assert record.privileged.annotations == {
        "objects": ["#1 large red metal cube at [500, 500]", "#2 small gray rubber sphere at [100, 100]"],
        "left of": ["left of #1: #2"], "in front of": ["in front of #2: #1"]}
    assert record.privileged.boxes == ()


def write_chartqa(tmp_path, with_table=True):
    split = tmp_path / "ChartQA Dataset" / "test"
    save_image(split / "png" / "41699051005347.png", (800, 600))
    (split / "tables").mkdir(parents=True)
    (split / "annotations").mkdir()
    qa = [{"imgname": "41699051005347.png", "query": "Which year has the highest revenue?", "label": "2019"}]
    (split / "test_human.json").write_text(json.dumps(qa))
    if with_table:
        (split / "tables" / "41699051005347.csv").write_text("Year,Revenue in million euros\n2018,45.3\n2019,51.7\n")
    (split / "annotations" / "41699051005347.json").write_text(json.dumps({
        "type": "v_bar", "models": [{"name": "Revenue", "color": "#1f77b4", "x": ["2018", "2019"], "y": [45.3, 51.7]}],
        "general_figure_info": {"title": {"text": "Revenue of Foo AG"}, "x_axis": {"label": {"text": "Year"}},
                                "y_axis": {"label": {"text": "Revenue in million euros"}}}}))
    return split / "test_human.json"


def test_chartqa_table_and_elements(tmp_path):
    source = write_chartqa(tmp_path)
    assert build("--source", source, "--out", tmp_path / "o") == 0
    (record,) = load_records(tmp_path / "o")
    assert record.id == "chartqa-test_human-0" and record.answer == "2019"
    assert record.privileged.annotations == {
        "chart type": "v_bar", "title": "Revenue of Foo AG", "x axis": "Year", "y axis": "Revenue in million euros",
        "series": "Revenue", "table": ["Year | Revenue in million euros", "2018 | 45.3", "2019 | 51.7"]}
    text = render_messages(record, "privileged")[0]["content"][-1]["text"]
    assert "table:\n- Year | Revenue in million euros\n- 2018 | 45.3\n- 2019 | 51.7" in text


def test_chartqa_missing_table_is_a_reject(tmp_path, capsys):
    source = write_chartqa(tmp_path, with_table=False)
    assert build("--source", source, "--out", tmp_path / "o") == 2
    err = capsys.readouterr().err
    assert "every record was rejected" in err and "missing_annotation 1" in err and "no table at" in err


def write_docvqa(tmp_path, lines):
    val = tmp_path / "val"
    save_image(val / "documents" / "pybv0228_81.png", (1000, 2000))
    (val / "ocr_results").mkdir()
    (val / "val_v1.0.json").write_text(json.dumps({"dataset_name": "docvqa", "dataset_split": "val", "data": [
        {"questionId": 49153, "question": "What is the ‘actual’ value per 1000, during the year 1975?",
         "image": "documents/pybv0228_81.png", "docId": 14465, "ucsf_document_id": "pybv0228",
         "ucsf_document_page_no": "81", "answers": ["0.28"], "question_types": ["figure/diagram"]}]}))
    (val / "ocr_results" / "pybv0228_81.json").write_text(json.dumps({"status": "Succeeded", "recognitionResults": [
        {"page": 1, "clockwiseOrientation": 0.0, "width": 1000, "height": 2000, "unit": "pixel", "lines": lines}]}))
    return val / "val_v1.0.json"


def test_docvqa_read_ocr_lines(tmp_path):
    lines = [{"boundingBox": [100, 200, 500, 200, 500, 240, 100, 240], "text": "Actual per 1000",
              "words": [{"boundingBox": [100, 200, 200, 200, 200, 240, 100, 240], "text": "Actual"}]},
             {"boundingBox": [600, 200, 700, 200, 700, 240, 600, 240], "text": "0.28", "words": []}]
    source = write_docvqa(tmp_path, lines)
    assert build("--source", source, "--out", tmp_path / "o") == 0
    (record,) = load_records(tmp_path / "o")
    assert record.id == "docvqa-49153" and record.answer == "0.28" and record.source["answers"] == ["0.28"]
    assert record.privileged.annotations == {"ocr": ["[100, 100, 500, 120] Actual per 1000",
                                                     "[600, 100, 700, 120] 0.28"]}


def test_long_ocr_is_cut_to_the_token_budget(tmp_path):
    lines = [{"boundingBox": [10, 10 + 9 * i, 900, 10 + 9 * i, 900, 18 + 9 * i, 10, 18 + 9 * i],
              "text": f"Line {i} of the quarterly statement with revenue figures"} for i in range(200)]
    source = write_docvqa(tmp_path, lines)
    assert build("--source", source, "--out", tmp_path / "o", "--max-privileged-tokens", "300") == 0
    (record,) = load_records(tmp_path / "o")
    ocr = record.privileged.annotations["ocr"]
    block = privileged_block(record)
    assert 300 - estimate_tokens("\n- " + ocr[-1]) < estimate_tokens(block) <= 300  # as many lines as fit
    assert ocr[0].endswith("Line 0 of the quarterly statement with revenue figures")  # the first lines are kept
    assert 5 < len(ocr) < 200 and record.source["privileged_dropped"] == 200 - len(ocr)
    manifest = json.loads((tmp_path / "o" / "manifest.json").read_text())
    assert manifest["counts"]["privileged_cut_to_budget"] == 1
