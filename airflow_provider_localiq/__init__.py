"""Apache Airflow provider for the LocalIQ (formerly ReachLocal) reporting and lead APIs."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = ["__version__", "get_provider_info"]


def get_provider_info() -> dict[str, Any]:
    """Describe the provider to Airflow's providers manager (entry point ``apache_airflow_provider``)."""
    return {
        "package-name": "airflow-provider-localiq",
        "name": "LocalIQ",
        "description": "Extract LocalIQ (formerly ReachLocal) campaign reports and leads into a warehouse.",
        "versions": [__version__],
        "integrations": [
            {
                "integration-name": "LocalIQ",
                "external-doc-url": "https://doc.api.localiq.com/",
                "tags": ["service"],
            }
        ],
        "hooks": [
            {
                "integration-name": "LocalIQ",
                "python-modules": ["airflow_provider_localiq.hooks.localiq"],
            }
        ],
        "operators": [
            {
                "integration-name": "LocalIQ",
                "python-modules": [
                    "airflow_provider_localiq.operators.report",
                    "airflow_provider_localiq.operators.leads",
                ],
            }
        ],
        "transfers": [
            {
                "source-integration-name": "LocalIQ",
                "target-integration-name": "Common SQL",
                "python-module": "airflow_provider_localiq.transfers.localiq_to_sql",
            }
        ],
        "connection-types": [
            {
                "connection-type": "localiq",
                "hook-class-name": "airflow_provider_localiq.hooks.localiq.LocalIQHook",
                "hook-name": "LocalIQ",
                "ui-field-behaviour": {
                    "hidden-fields": ["schema", "port", "extra"],
                    "relabeling": {
                        "host": "API base URL",
                        "login": "Business user email",
                        "password": "Business user password",
                    },
                    "placeholders": {
                        "host": "https://api.localiqservices.com",
                        "login": "reports@agency.example",
                        "password": "leave empty to use a refresh token",
                    },
                },
                "conn-fields": {
                    "client_id": {
                        "label": "Client ID",
                        "schema": {"type": ["string", "null"]},
                        "description": "OAuth client id issued by LocalIQ for your application.",
                    },
                    "client_secret": {
                        "label": "Client secret",
                        "schema": {"type": ["string", "null"], "format": "password"},
                        "description": "OAuth client secret issued together with the client id.",
                    },
                    "refresh_token": {
                        "label": "Refresh token",
                        "schema": {"type": ["string", "null"], "format": "password"},
                        "description": "Bootstrap refresh token, used only when no password is set.",
                    },
                    "timeout": {
                        "label": "Timeout (seconds)",
                        "schema": {"type": ["number", "null"], "minimum": 1},
                        "description": "Seconds to wait for each API response. Default 60.",
                    },
                    "requests_per_second": {
                        "label": "Requests per second",
                        "schema": {"type": ["number", "null"], "minimum": 0.1, "maximum": 20},
                        "description": "Client-side rate limit. LocalIQ allows 20 per second.",
                    },
                },
            }
        ],
    }
