# DP by construction: scan FLOPs of the whole chain vs length — data in theory_local_dp_scan_flops_vs_T.csv
set datafile separator ','
set title 'DP by construction: scan FLOPs of the whole chain vs length'
set xlabel 'sequence length T (tokens)'
set ylabel 'FLOPs over the state, all T tokens'
set key top left box opaque
set grid
set logscale x
set logscale y
set terminal pngcairo size 900,600 noenhanced font 'Sans,11'
set output 'theory_local_dp_scan_flops_vs_T.png'
plot 'theory_local_dp_scan_flops_vs_T.csv' skip 1 using 2:($1 == 0 ? $3 : 1/0) with linespoints lw 2 title 'local_dp, SSM ring (m = 6)', \
     'theory_local_dp_scan_flops_vs_T.csv' skip 1 using 2:($1 == 1 ? $3 : 1/0) with linespoints lw 2 title 'pointer_dp, smallest ring of slots', \
     'theory_local_dp_scan_flops_vs_T.csv' skip 1 using 2:($1 == 2 ? $3 : 1/0) with linespoints lw 2 title 'pointer_dp, smallest d_state layout'
set terminal svg size 900,600 font 'Sans,11' noenhanced
set output 'theory_local_dp_scan_flops_vs_T.svg'
plot 'theory_local_dp_scan_flops_vs_T.csv' skip 1 using 2:($1 == 0 ? $3 : 1/0) with linespoints lw 2 title 'local_dp, SSM ring (m = 6)', \
     'theory_local_dp_scan_flops_vs_T.csv' skip 1 using 2:($1 == 1 ? $3 : 1/0) with linespoints lw 2 title 'pointer_dp, smallest ring of slots', \
     'theory_local_dp_scan_flops_vs_T.csv' skip 1 using 2:($1 == 2 ? $3 : 1/0) with linespoints lw 2 title 'pointer_dp, smallest d_state layout'
unset output
