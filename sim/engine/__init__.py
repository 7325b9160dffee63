"""Engine: the SimPy model and the detection solver -> RunResult."""
