"""What the Dify SDK validates when a plugin starts, timed over many plugins.

    SDK_PYTHON benchmarks/sdk_startup.py ROOT [ROOT ...]

Run by a Python that has the `dify-plugin` SDK. For each root it does what the SDK's plugin
registration does first at start-up: from the plugin's folder, load manifest.yaml into the SDK's
manifest model and each provider file it lists into the configuration model of its category (the
providers' validators load their tools, strategies, endpoints, events and models). The SDK's own
method is called; the plugin's Python is never imported. Prints how many roots loaded and how many
the SDK refused.
"""

from __future__ import annotations

import os
import signal
import sys

#: a plugin the SDK takes longer than this to load is counted as refused
TIMEOUT_SECONDS = 20


def _timeout(signum, frame):
    raise TimeoutError("the SDK took too long")


def main() -> None:
    from dify_plugin.core.plugin_registration import PluginRegistration

    if not hasattr(PluginRegistration, "_load_plugin_configuration"):
        sys.exit("this version of the SDK loads its configuration differently; benchmarks/sdk_startup.py needs updating")

    loaded = refused = 0
    start = os.getcwd()
    if hasattr(signal, "SIGALRM"):
        signal.signal(signal.SIGALRM, _timeout)
    for root in sys.argv[1:]:
        registration = PluginRegistration.__new__(PluginRegistration)  # without the rest of its start-up
        for destination in (
            "tools_configuration",
            "models_configuration",
            "endpoints_configuration",
            "agent_strategies_configuration",
            "datasource_configuration",
            "triggers_configuration",
        ):
            setattr(registration, destination, [])
        try:
            os.chdir(root)  # the SDK reads every path from the working directory
            if hasattr(signal, "alarm"):
                signal.alarm(TIMEOUT_SECONDS)
            registration._load_plugin_configuration()
            loaded += 1
        except Exception:  # noqa: BLE001 - a refused plugin is a figure, not a failure
            refused += 1
        finally:
            if hasattr(signal, "alarm"):
                signal.alarm(0)
            os.chdir(start)
    print(f"{loaded} plugins loaded, {refused} refused")


if __name__ == "__main__":
    main()
