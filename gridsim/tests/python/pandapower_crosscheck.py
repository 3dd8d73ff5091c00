"""Independent steady-state reference for gridsim's pandapower cross-check.

Builds, in pandapower, the same balanced network as the test
`pandapower_crosscheck.rs` (20 kV slack bus, two pi-lines, a Dyn 20/0.4 kV
transformer, constant-impedance loads as shunts and a 20-ohm resistive
three-phase fault at b1 as a shunt), runs a load flow and prints one line
per bus: name, voltage magnitude (pu of the bus nominal voltage), angle
(degrees). Exit code 3 when pandapower is not installed.
"""

import math
import sys

try:
    import pandapower as pp
except ImportError:
    print("pandapower not installed", file=sys.stderr)
    sys.exit(3)

net = pp.create_empty_network(f_hz=50.0)
b0 = pp.create_bus(net, vn_kv=20.0, name="b0")
b1 = pp.create_bus(net, vn_kv=20.0, name="b1")
b2 = pp.create_bus(net, vn_kv=20.0, name="b2")
b3 = pp.create_bus(net, vn_kv=0.4, name="b3")
pp.create_ext_grid(net, b0, vm_pu=1.0, va_degree=0.0)
pp.create_line_from_parameters(net, b0, b1, length_km=3.0, r_ohm_per_km=0.206,
                               x_ohm_per_km=0.12, c_nf_per_km=250.0, max_i_ka=1.0)
pp.create_line_from_parameters(net, b1, b2, length_km=2.0, r_ohm_per_km=0.3,
                               x_ohm_per_km=0.35, c_nf_per_km=10.0, max_i_ka=1.0)
pp.create_transformer_from_parameters(
    net, b2, b3, sn_mva=0.63, vn_hv_kv=20.0, vn_lv_kv=0.4,
    vkr_percent=1.0, vk_percent=100.0 * math.hypot(0.01, 0.06),
    pfe_kw=0.0, i0_percent=0.0, shift_degree=0.0)
# Constant-impedance loads (power at nominal voltage) and the fault.
pp.create_shunt(net, b1, p_mw=1.0, q_mvar=0.3, vn_kv=20.0)
pp.create_shunt(net, b3, p_mw=0.2, q_mvar=0.05, vn_kv=0.4)
pp.create_shunt(net, b1, p_mw=20.0 ** 2 / 20.0, q_mvar=0.0, vn_kv=20.0)
pp.runpp(net, tolerance_mva=1e-10, calculate_voltage_angles=True)
for idx, row in net.res_bus.iterrows():
    print(net.bus.name.at[idx], f"{float(row.vm_pu):.12f}", f"{float(row.va_degree):.12f}")
