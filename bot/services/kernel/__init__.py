"""What every domain shares: errors, the clock, the CPR guard, local times and health."""
