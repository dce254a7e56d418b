"""Serve maritime's ask pipeline with Hayhooks: ``hayhooks run --pipelines-dir hayhooks``.

``POST /ask/run`` with ``{"question": "...", "near": "48°21,5'N 004°33'O", "radius_nm": 3}`` returns
the answer as ``answer.schema.json``. The index is ``$MARITIME_INDEX`` (default ``.maritime-index``);
the local model is configured as for the CLI (``MARITIME_LLM_URL`` + ``MARITIME_LLM_MODEL`` or
``MARITIME_GGUF``). Set ``MARITIME_ASK_PIPELINE`` to a pipeline YAML (e.g. an edited copy of
``pipelines/ask.yaml``) to serve that pipeline instead of the built-in one.

Access control: every request is answered at the server's clearance, ``$MARITIME_CLEARANCE`` (default
the lowest marking, ``public``); a request cannot raise it, since Hayhooks authenticates no one. Serve
restricted material only behind your own authentication, with one server per clearance.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from hayhooks import BasePipelineWrapper
from maritime import Assistant
from maritime.pipelines import load_pipeline


class PipelineWrapper(BasePipelineWrapper):
    def setup(self) -> None:
        self.assistant = Assistant.open(os.environ.get("MARITIME_INDEX", ".maritime-index"))
        yaml_path = os.environ.get("MARITIME_ASK_PIPELINE")
        self.pipeline = load_pipeline(Path(yaml_path)) if yaml_path else None

    def run_api(
        self,
        question: str,
        near: str | None = None,
        radius_nm: float | None = None,
        language: str | None = None,
        top_k: int = 5,
    ) -> dict[str, Any]:
        """Answer a question about nautical publications and charts, in French or English.

        Returns the answer with its citations [n], chart features [Cn], GeoJSON map and warnings.
        Not for navigation.
        """
        if self.pipeline is not None:
            from maritime.geo.coordinates import parse_position

            position = parse_position(near) if near else None
            result = self.pipeline.run(
                {
                    "analyzer": {
                        "question": question,
                        "language": language,
                        "near": [position.lat, position.lon] if position else None,
                        "radius_nm": radius_nm,
                    }
                }
            )
            return dict(result["answer"]["answer"].to_dict())
        answer = self.assistant.ask(question, near=near, radius_nm=radius_nm, language=language, top_k=top_k)
        return answer.to_dict()
