"""Code the operator scripts share: settings, synthesized templates, AWS look-ups, prices and terminal output."""
